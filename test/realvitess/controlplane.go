package realvitess

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// startEtcd runs the topology server: one etcd member on two free ports.
func (s *Substrate) startEtcd(ctx context.Context) error {
	ports, err := s.ports.take(2)
	if err != nil {
		return err
	}
	data := filepath.Join(s.dir, "etcd")
	if err := s.acc.mkdirs(data); err != nil {
		return err
	}
	client := fmt.Sprintf("http://127.0.0.1:%d", ports[0])
	peer := fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	s.etcdAddr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	argv := []string{filepath.Join(s.bin, "etcd"), "--name=rv", "--data-dir=" + data,
		"--listen-client-urls=" + client, "--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=rv=" + peer,
		// A test topology: fsync only slows it down.
		"--unsafe-no-fsync"}
	s.etcd, err = startProc(s.acc, "etcd", filepath.Join(s.logDir(), "etcd.log"), s.dir, hostEnv(s.dir), argv, nil)
	if err != nil {
		return err
	}
	return poll(ctx, "etcd", func() error {
		if !s.etcd.running() {
			return errExited
		}
		return httpOK(client + "/health")
	})
}

func (s *Substrate) startVtctld(ctx context.Context, global *v1alpha1.VitessCell) error {
	ports, err := s.ports.take(2)
	if err != nil {
		return err
	}
	s.vtctldWeb = ports[0]
	s.vtctldAddr = fmt.Sprintf("127.0.0.1:%d", ports[1])
	home := filepath.Join(s.dir, "vtctld")
	if err := s.acc.mkdirs(home); err != nil {
		return err
	}
	d := vitess.RenderVtctld(global, metav1.OwnerReference{Name: clusterName})
	s.vtctldPod, s.vtctldHome = d.Name, home
	c := d.Spec.Template.Spec.Containers[0]
	argv, env, err := s.hostCommand(c, rewrite{
		overrides: map[string]string{
			"port":                       strconv.Itoa(ports[0]),
			"grpc-port":                  strconv.Itoa(ports[1]),
			"topo-global-server-address": s.etcdAddr,
		},
		env: hostEnv(home),
	})
	if err != nil {
		return fmt.Errorf("vtctld: %w", err)
	}
	s.vtctldEnv = env
	s.vtctld, err = startProc(s.acc, "vtctld", filepath.Join(s.logDir(), "vtctld.log"), home, env, argv, nil)
	if err != nil {
		return err
	}
	return poll(ctx, "vtctld", func() error {
		if !s.vtctld.running() {
			return errExited
		}
		if err := httpOK(fmt.Sprintf("http://127.0.0.1:%d/debug/health", ports[0])); err != nil {
			return err
		}
		return s.vtctldclient(ctx, "GetCellInfoNames")
	})
}

// vtctldclient runs one vtctldclient command against the tier's vtctld, as
// the operator's reconcilers do from a vtctld pod.
func (s *Substrate) vtctldclient(ctx context.Context, command string, args ...string) error {
	_, err := s.vtctldclientOutput(ctx, command, args...)
	return err
}

// vtctldclientOutput is vtctldclient, returning what the command printed.
func (s *Substrate) vtctldclientOutput(ctx context.Context, command string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	argv := dataplane.VtctldclientArgs(s.vtctldAddr, command, args...)
	argv[0] = filepath.Join(s.bin, "vtctldclient")
	res, err := s.runHost(ctx, s.dir, hostEnv(s.dir), argv)
	if err != nil {
		return "", fmt.Errorf("vtctldclient %s: %w", command, err)
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("vtctldclient %s exited %d: %s", command, res.ExitCode, strings.TrimSpace(res.Stderr+res.Stdout))
	}
	return res.Stdout, nil
}

// VtctldPod is the name the executor takes for the vtctld pod, whose
// container dataplane.VtctldContainer runs vtctldclient as the operator's
// reconcilers do (dataplane.NewVtctld): the name of vtctld's Deployment.
func (s *Substrate) VtctldPod() string { return s.vtctldPod }

// Name is "real".
func (s *Substrate) Name() string { return "real" }

// Executor runs the driver's commands in the tablets; see Exec.
func (s *Substrate) Executor() dataplane.Executor { return executor{s} }

// Server is vtctld's gRPC address.
func (s *Substrate) Server() string { return s.vtctldAddr }

// Keyspace names the keyspace.
func (s *Substrate) Keyspace() string { return s.cfg.Keyspace }

// Shard names the shard.
func (s *Substrate) Shard() string { return s.cfg.Shard }

// Tablets lists the aliases: the Config.Replicas replica tablets first, then
// the Config.Rdonly rdonly ones, each pool in the operator's index order.
func (s *Substrate) Tablets() []string {
	out := make([]string, len(s.tablets))
	for i, tb := range s.tablets {
		out[i] = tb.alias
	}
	return out
}

// Member is the driver's view of a tablet, as pkg/vitess builds it from the
// tablet's pod (ID and DNSName the alias), except that the exec target is
// named by the alias, which the executor accepts as it accepts the pod name.
func (s *Substrate) Member(alias string) dataplane.Member {
	return dataplane.Member{
		Target:  dataplane.Target{Namespace: namespace, Pod: alias, Container: dataplane.VttabletContainer},
		DNSName: alias,
		ID:      alias,
	}
}

// PodName is the name of the pod the operator would make for a tablet.
func (s *Substrate) PodName(alias string) string {
	if tb, ok := s.byName[alias]; ok {
		return tb.pod
	}
	return ""
}

// Dir is the tier's directory: logs/ holds every process's output.
func (s *Substrate) Dir() string { return s.dir }

// Close stops every process and removes the tier's directory; when the test
// failed it first logs the tail of every process's log.
func (s *Substrate) Close() {
	s.closeOnce.Do(func() {
		for _, tb := range s.tablets {
			tb.kill()
		}
		for _, p := range []*proc{s.vtctld, s.etcd} {
			p.signalGroup(sigKill)
			p.wait(5 * time.Second)
		}
		for _, tb := range s.tablets {
			tb.wait(5 * time.Second)
		}
		s.ports.release()
		if s.t.Failed() {
			files := logFiles(s.logDir())
			for _, tb := range s.tablets {
				files = append(files, filepath.Join(tb.dataRoot, "vt_"+tb.uid, "error.log"))
			}
			for _, f := range files {
				s.t.Logf("realvitess: tail of %s:\n%s", f, tail(f, 40))
			}
		}
		if os.Getenv(EnvKeep) != "" {
			s.t.Logf("realvitess: kept %s (%s is set)", s.dir, EnvKeep)
			return
		}
		if err := os.RemoveAll(s.dir); err != nil {
			s.t.Logf("realvitess: removing %s: %v", s.dir, err)
		}
	})
}

// poll calls f every 100ms until it returns nil or ctx ends; errExited
// ends it at once.
func poll(ctx context.Context, what string, f func() error) error {
	var last error
	for {
		last = f()
		if last == nil {
			return nil
		}
		if last == errExited {
			return fmt.Errorf("%s exited", what)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last: %v)", what, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var errExited = fmt.Errorf("process exited")

// httpOK is nil when GET url answers 200.
func httpOK(url string) error {
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}

// setFlag sets --name=value in a vtctldclient argument list, replacing the
// flag where the operator rendered it.
func setFlag(args []string, name, value string) []string {
	out := append([]string(nil), args...)
	for i, a := range out {
		if strings.HasPrefix(a, "--"+name+"=") {
			out[i] = "--" + name + "=" + value
			return out
		}
	}
	return append([]string{"--" + name + "=" + value}, out...)
}
