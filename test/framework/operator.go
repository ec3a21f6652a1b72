package framework

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Operator is one operator process started by a test.
type Operator struct {
	// Name tells this process apart from others in the same test.
	Name string
	// HealthAddr is the address of its /healthz and /readyz.
	HealthAddr string
	// MetricsAddr is the address of its /metrics.
	MetricsAddr string
	// LogPath is the file its output goes to.
	LogPath string

	cmd    *exec.Cmd
	exited chan struct{}
	once   sync.Once
}

// FastLeaderElection returns flags that let a standby take over a few
// seconds after the leader dies, instead of the production default of 15s.
func FastLeaderElection() []string {
	return []string{
		"--leader-elect-lease-duration=4s",
		"--leader-elect-renew-deadline=3s",
		"--leader-elect-retry-period=500ms",
	}
}

// StartOperator runs the operator built from this tree for namespace, with
// extra flags. It runs as its ServiceAccount, with a token of it, with
// nothing but deploy/operator's Role, which it installs in namespace (set
// E2E_OPERATOR_AS_ADMIN to run it as the cluster's admin; a --kubeconfig
// among flags wins too). It is killed when the test ends; if the test
// failed, the tail of its log is printed.
func (c *Cluster) StartOperator(t testing.TB, namespace, name string, flags ...string) *Operator {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	creds, err := c.OperatorCredentials(ctx, t.TempDir(), namespace)
	if err != nil {
		t.Fatalf("operator %s: %v", name, err)
	}
	o, err := c.RunOperator(namespace, name, append(creds, flags...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		o.Kill()
		if t.Failed() {
			// The actions first: a CI report that shortens a long log
			// keeps its head, and what the operator did explains most
			// failures.
			t.Logf("actions of operator %s:\n%s", name, actions(o.LogPath, 40))
			t.Logf("log of operator %s (%s):\n%s", name, o.LogPath, tail(o.LogPath, 60))
		}
	})
	return o
}

// RunOperator starts the operator built from this tree for namespace, with
// extra flags, logging to _output/logs/e2e. The caller kills it.
func (c *Cluster) RunOperator(namespace, name string, flags ...string) (*Operator, error) {
	logDir := filepath.Join(c.Root, "_output", "logs", "e2e")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	health, err := freeAddr()
	if err != nil {
		return nil, err
	}
	metrics, err := freeAddr()
	if err != nil {
		return nil, err
	}
	o := &Operator{
		Name:        name,
		HealthAddr:  health,
		MetricsAddr: metrics,
		LogPath:     filepath.Join(logDir, namespace+"-"+name+".log"),
		exited:      make(chan struct{}),
	}
	logFile, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--kubeconfig=" + c.Kubeconfig,
		"--namespace=" + namespace,
		"--health-addr=" + o.HealthAddr,
		"--metrics-addr=" + o.MetricsAddr,
		"--log-level=debug",
	}, flags...)
	o.cmd = exec.Command(c.OperatorBinary, args...)
	// The operator's Lease identity is POD_NAME, so a test can tell
	// from the Lease which process leads.
	o.cmd.Env = append(os.Environ(), "POD_NAME="+name)
	o.cmd.Stdout, o.cmd.Stderr = logFile, logFile
	if err := o.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting operator %s: %w", name, err)
	}
	go func() {
		_ = o.cmd.Wait()
		_ = logFile.Close()
		close(o.exited)
	}()
	return o, nil
}

// Pid is the operator process's id.
func (o *Operator) Pid() int { return o.cmd.Process.Pid }

// LeaseHolder holds once the leader-election Lease names this process.
func (o *Operator) LeaseHolder(obj *unstructured.Unstructured) (bool, error) {
	if obj == nil {
		return false, nil
	}
	holder, _, err := unstructured.NestedString(obj.Object, "spec", "holderIdentity")
	return holder == o.Name, err
}

// Kill ends the process with SIGKILL, as a node failure or OOM kill would,
// and waits until it is gone.
func (o *Operator) Kill() {
	o.once.Do(func() { _ = o.cmd.Process.Signal(syscall.SIGKILL) })
	<-o.exited
}

// Stop asks the process to shut down with SIGTERM and waits until it exits.
func (o *Operator) Stop(ctx context.Context) error {
	o.once.Do(func() { _ = o.cmd.Process.Signal(syscall.SIGTERM) })
	select {
	case <-o.exited:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("operator %s did not exit after SIGTERM: %w", o.Name, ctx.Err())
	}
}

// Exited reports whether the process has ended.
func (o *Operator) Exited() bool {
	select {
	case <-o.exited:
		return true
	default:
		return false
	}
}

// ExitCode is the process's exit code once it has ended, or -1 before.
func (o *Operator) ExitCode() int {
	if !o.Exited() {
		return -1
	}
	return o.cmd.ProcessState.ExitCode()
}

// Probe returns the HTTP status of one of the process's health endpoints,
// or 0 when it does not answer.
func (o *Operator) Probe(ctx context.Context, path string) int {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+o.HealthAddr+path, nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail is the last lines of the log at path.
func tail(path string, lines int) string {
	return lastLines(path, lines, func(string) bool { return true })
}

// actions is the last lines of the log at path that record something the
// operator did to a set, without its role-label writes.
func actions(path string, lines int) string {
	return lastLines(path, lines, func(l string) bool {
		// Waits and passes with nothing to do log no action field.
		return strings.Contains(l, " action=") && !strings.Contains(l, " action=Label")
	})
}

// lastLines is the last lines of the log at path that keep accepts.
func lastLines(path string, lines int, keep func(string) bool) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	var all []string
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if keep(l) {
			all = append(all, l)
		}
	}
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
