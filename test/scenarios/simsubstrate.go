package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// Names the simulated shard lives under, laid out as the local cluster's
// simulation host lays out pods: <root>/claims/<ns>/<claim> directories and
// <root>/registry/<ns>/<pod> links.
const (
	simCluster   = "vt"
	simNamespace = "scenarios"
)

// SimFirstStart is how long a simulated tablet's mysqld takes to accept
// connections on its first start, as initialising a data directory takes a
// real one several seconds.
const SimFirstStart = 2 * time.Second

// Sim is the tablet simulator as a substrate: tabletsim, installed as mysql
// and vtctldclient, run on the host in each tablet's directory with the
// environment the simulation host gives a kwok exec.
type Sim struct {
	t       testing.TB
	cfg     Config
	root    string
	bin     string
	aliases []string
	types   map[string]string
	starts  map[string]int
}

// NewSim builds tabletsim and lays out a shard of cfg's tablets, started,
// with the keyspace created in the simulated topology.
func NewSim(t testing.TB, cfg Config) *Sim {
	t.Helper()
	s := &Sim{t: t, cfg: cfg, root: t.TempDir(), bin: t.TempDir(), types: map[string]string{}, starts: map[string]int{}}
	s.build()
	for i := 0; i < cfg.Replicas+cfg.Rdonly; i++ {
		alias := fmt.Sprintf("%s-%010d", cfg.Cell, 101+i)
		s.aliases = append(s.aliases, alias)
		s.types[alias] = "replica"
		if i >= cfg.Replicas {
			s.types[alias] = "rdonly"
		}
		must(t, os.MkdirAll(s.dataDir(alias), 0o755))
		must(t, os.WriteFile(filepath.Join(s.dataDir(alias), "mysqld-startup-delay"), []byte(SimFirstStart.String()), 0o644))
		must(t, s.StartTablet(context.Background(), alias))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := s.Executor().Exec(ctx, s.Member(s.aliases[0]).Target, dataplane.VtctldclientArgs(s.Server(), "CreateKeyspace",
		"--durability-policy="+cfg.Durability, cfg.Keyspace))
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("creating the keyspace: %v %+v", err, res)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// build compiles tabletsim and links it as mysql, mysqlctl and vtctldclient.
func (s *Sim) build() {
	_, file, _, _ := runtime.Caller(0)
	pkg := filepath.Join(filepath.Dir(file), "..", "tabletsim")
	out, err := exec.Command("go", "build", "-o", filepath.Join(s.bin, "tabletsim"), pkg).CombinedOutput()
	if err != nil {
		s.t.Fatalf("building tabletsim: %v\n%s", err, out)
	}
	for _, name := range []string{"mysql", "mysqlctl", "vtctldclient"} {
		must(s.t, os.Symlink("tabletsim", filepath.Join(s.bin, name)))
	}
}

// Name is "sim".
func (s *Sim) Name() string { return "sim" }

// Server is the vtctld address, named as the operator names it.
func (s *Sim) Server() string { return simCluster + "-vtctld." + simNamespace + ".svc:15999" }

// Keyspace is the shard's keyspace.
func (s *Sim) Keyspace() string { return s.cfg.Keyspace }

// Shard is the shard's name.
func (s *Sim) Shard() string { return s.cfg.Shard }

// Tablets lists the aliases.
func (s *Sim) Tablets() []string { return append([]string(nil), s.aliases...) }

func (s *Sim) pod(alias string) string {
	return simCluster + "-vttablet-" + alias
}

func (s *Sim) dataDir(alias string) string {
	return filepath.Join(s.root, "claims", simNamespace, "vtdataroot-"+s.pod(alias))
}

func (s *Sim) link(alias string) string {
	return filepath.Join(s.root, "registry", simNamespace, s.pod(alias))
}

// Member is how the driver sees the tablet.
func (s *Sim) Member(alias string) dataplane.Member {
	return dataplane.Member{Target: dataplane.Target{Namespace: simNamespace, Pod: alias, Container: dataplane.VttabletContainer},
		DNSName: alias, ID: alias}
}

// StartTablet registers the tablet's pod anew: a new pod UID, as a pod made
// anew on the claim; the simulation host does the same when a pod runs.
func (s *Sim) StartTablet(_ context.Context, alias string) error {
	s.starts[alias]++
	uid := fmt.Sprintf("%s-uid-%d", alias, s.starts[alias])
	env := map[string]string{"TABLET_ALIAS": alias, "TABLET_UID": alias[strings.LastIndex(alias, "-")+1:],
		"TABLET_CELL": s.cfg.Cell, "TABLET_KEYSPACE": s.cfg.Keyspace, "TABLET_SHARD": s.cfg.Shard, "TABLET_TYPE": s.types[alias]}
	data, err := json.Marshal(env)
	if err != nil {
		return err
	}
	link := s.link(alias)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(link+".env.json", data, 0o644); err != nil {
		return err
	}
	_ = os.Remove(link)
	if err := os.Symlink(s.dataDir(alias), link); err != nil {
		return err
	}
	return os.WriteFile(link+".uid", []byte(uid), 0o644)
}

// WaitServing polls GetFullStatus until the tablet answers.
func (s *Sim) WaitServing(ctx context.Context, alias string) error {
	for {
		res, err := s.Executor().Exec(ctx, s.Member(alias).Target, dataplane.VtctldclientArgs(s.Server(), "GetFullStatus", alias))
		if err == nil && res.ExitCode == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tablet %s does not serve: %v %s", alias, err, res.Stderr)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// KillTablet removes the pod's registration: its processes answer nobody.
func (s *Sim) KillTablet(_ context.Context, alias string) error {
	_ = os.Remove(s.link(alias) + ".uid")
	if err := os.Remove(s.link(alias)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// StopTablet is KillTablet: the simulator has no shutdown to run.
func (s *Sim) StopTablet(ctx context.Context, alias string) error { return s.KillTablet(ctx, alias) }

// SetReachable writes or removes the lost marker of the tablet's pod.
func (s *Sim) SetReachable(_ context.Context, alias string, reachable bool) error {
	marker := s.link(alias) + ".lost"
	if reachable {
		if err := os.Remove(marker); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	return os.WriteFile(marker, []byte("node\n"), 0o644)
}

// Executor runs the driver's commands in the tablet's directory.
func (s *Sim) Executor() dataplane.Executor { return simExec{s} }

type simExec struct{ s *Sim }

// Exec runs argv as a kwok exec in the tablet's pod: it fails as an exec
// into a pod that is gone or on a lost node does.
func (e simExec) Exec(ctx context.Context, t dataplane.Target, argv []string) (dataplane.Result, error) {
	s := e.s
	link := s.link(t.Pod)
	uid, err := os.ReadFile(link + ".uid")
	if err != nil {
		return dataplane.Result{}, fmt.Errorf("exec in %s: container %s is not running", t.Pod, t.Container)
	}
	if _, err := os.Stat(link + ".lost"); err == nil {
		return dataplane.Result{}, fmt.Errorf("exec in %s: error dialing backend: dial tcp: i/o timeout", t.Pod)
	}
	path := argv[0]
	switch {
	case path == "sh":
		path = "/bin/sh"
	case !strings.Contains(path, "/"):
		path = filepath.Join(s.bin, path)
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Dir = s.dataDir(t.Pod)
	cmd.Env = append(os.Environ(), "PATH="+s.bin+":"+os.Getenv("PATH"), "SIM_ROOT="+s.root, "DATA_DIR="+s.dataDir(t.Pod),
		"POD_NAME="+s.pod(t.Pod), "POD_NAMESPACE="+simNamespace, "POD_UID="+string(uid), "CONTAINER_NAME="+t.Container)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	res := dataplane.Result{Stdout: out.String(), Stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		return res, fmt.Errorf("exec in %s: %w", t.Pod, err)
	}
	return res, nil
}

// Write runs tabletsim write once per row.
func (s *Sim) Write(ctx context.Context, alias string, n int) (int, error) {
	for i := 0; i < n; i++ {
		res, err := s.Executor().Exec(ctx, s.Member(alias).Target, []string{"tabletsim", "write", "1"})
		if err != nil {
			return i, err
		}
		if res.ExitCode != 0 {
			return i, fmt.Errorf("write on %s: %s", alias, strings.TrimSpace(res.Stderr))
		}
	}
	return n, nil
}

// Rows counts the transactions the tablet holds: each write is one.
func (s *Sim) Rows(_ context.Context, alias string) (int, error) {
	data, err := os.ReadFile(filepath.Join(s.dataDir(alias), "tabletsim.json"))
	if err != nil {
		return 0, err
	}
	var st struct {
		GTIDs string `json:"gtids"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		return 0, err
	}
	g, err := dataplane.ParseGTIDSet(st.GTIDs)
	if err != nil {
		return 0, err
	}
	return int(g.Count()), nil
}

// Writable asks the tablet's mysqld.
func (s *Sim) Writable(ctx context.Context, alias string) (bool, error) {
	uid := alias[strings.LastIndex(alias, "-")+1:]
	res, err := s.Executor().Exec(ctx, dataplane.Target{Pod: alias, Container: dataplane.MysqldContainer},
		dataplane.MysqlArgs(uid, "SELECT @@global.read_only"))
	if err != nil {
		return false, err
	}
	if res.ExitCode != 0 {
		return false, fmt.Errorf("mysql on %s: %s", alias, res.Stderr)
	}
	ro, err := strconv.Atoi(strings.TrimSpace(res.Stdout))
	return ro == 0, err
}

// Close removes nothing: the directories are the test's.
func (s *Sim) Close() {}
