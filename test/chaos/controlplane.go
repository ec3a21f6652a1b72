package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
)

// component is how kwokctl runs one process of the local control plane:
// its pid in <cluster>/pids/<name>.pid, its log in <cluster>/logs/<name>.log,
// and the command line, environment and directory read from /proc while it
// ran, so that it can be started again exactly so.
type component struct {
	name, clusterDir string
	argv, env        []string
	dir              string
}

func (c component) pidPath() string { return filepath.Join(c.clusterDir, "pids", c.name+".pid") }

// pid is the component's process: the one its pid file names while that
// one runs, else the one process of that name started for this cluster
// (a pid file can outlive its process: once, kwokctl's named a process
// already gone while the component ran under another pid).
func (c component) pid() (int, error) {
	data, err := os.ReadFile(c.pidPath())
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", c.pidPath(), err)
	}
	if alive(pid) {
		return pid, nil
	}
	found, err := c.find()
	if err != nil {
		return 0, fmt.Errorf("%s names %d, which is not running, and %w", c.pidPath(), pid, err)
	}
	return found, nil
}

// alive reports whether pid runs and is not a zombie.
func alive(pid int) bool { return syscall.Kill(pid, 0) == nil && !isZombie(pid) }

// find looks through /proc for the running process of the component's
// name whose command line names the cluster's directory.
func (c component) find() (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !alive(pid) {
			continue
		}
		argv, err := nulList(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || len(argv) == 0 || filepath.Base(argv[0]) != c.name {
			continue
		}
		if strings.Contains(strings.Join(argv, " "), c.clusterDir) {
			pids = append(pids, pid)
		}
	}
	if len(pids) != 1 {
		return 0, fmt.Errorf("%d running processes named %s mention %s", len(pids), c.name, c.clusterDir)
	}
	return pids[0], nil
}

// running reports whether the component's process is alive.
func (c component) running() bool {
	pid, err := c.pid()
	return err == nil && alive(pid)
}

// captureComponent reads how the running component name was started.
func captureComponent(clusterDir, name string) (component, error) {
	c := component{name: name, clusterDir: clusterDir}
	pid, err := c.pid()
	if err != nil {
		return c, fmt.Errorf("%s: %w", name, err)
	}
	proc := fmt.Sprintf("/proc/%d", pid)
	if c.argv, err = nulList(proc + "/cmdline"); err != nil || len(c.argv) == 0 {
		return c, fmt.Errorf("%s: reading its command line: %v", name, err)
	}
	if c.env, err = nulList(proc + "/environ"); err != nil {
		return c, fmt.Errorf("%s: reading its environment: %w", name, err)
	}
	if c.dir, err = os.Readlink(proc + "/cwd"); err != nil {
		return c, fmt.Errorf("%s: reading its directory: %w", name, err)
	}
	return c, nil
}

// start starts the component again, in its own session as kwokctl does,
// so that it outlives this program.
func (c component) start() error {
	logFile, err := os.OpenFile(filepath.Join(c.clusterDir, "logs", c.name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(c.argv[0], c.argv[1:]...)
	cmd.Env, cmd.Dir, cmd.Stdout, cmd.Stderr = c.env, c.dir, logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", c.name, err)
	}
	go func() { _ = cmd.Wait() }()
	return os.WriteFile(c.pidPath(), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
}

// restart stops the component with SIGTERM (SIGKILL after 20 s) and starts it again.
func (c component) restart(ctx context.Context) error {
	pid, err := c.pid()
	if err != nil {
		return fmt.Errorf("restarting %s: %w", c.name, err)
	}
	if err := stopProcess(ctx, pid); err != nil {
		return fmt.Errorf("restarting %s: %w", c.name, err)
	}
	return c.start()
}

// supervise starts again any of comps that exits, until ctx ends, as the
// kubelet does for a control plane's static pods: kube-scheduler and
// kube-controller-manager exit when they lose their leader election, which
// an API server or etcd restart makes them do. It calls restarted for each.
func supervise(ctx context.Context, comps []component, restarted func(name string, err error)) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for _, c := range comps {
			if !c.running() {
				restarted(c.name, c.start())
			}
		}
	}
}

// stopProcess sends SIGTERM and waits for the process to go, with SIGKILL
// after 20 s.
func stopProcess(ctx context.Context, pid int) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return fmt.Errorf("stopping %d: %w", pid, err)
	}
	gone := func(context.Context) (bool, error) {
		return syscall.Kill(pid, 0) != nil || isZombie(pid), nil
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 20*time.Second, true, gone)
	if err == nil {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	return wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, gone)
}

// isZombie reports whether pid has exited and waits for a parent to reap it.
func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	i := bytes.LastIndexByte(data, ')')
	return i >= 0 && i+2 < len(data) && data[i+2] == 'Z'
}

func nulList(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range bytes.Split(bytes.TrimRight(data, "\x00"), []byte{0}) {
		out = append(out, string(s))
	}
	return out, nil
}
