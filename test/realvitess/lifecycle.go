package realvitess

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// tablet finds a tablet by alias or pod name.
func (s *Substrate) tablet(name string) (*tablet, error) {
	tb, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("realvitess: no tablet %q", name)
	}
	return tb, nil
}

// StartTablet starts a tablet's mysqlctld and vttablet on its existing data,
// as a new pod on the tablet's claim: its socket directory (an emptyDir) is
// new, and the tablet is reachable. Until the tablet is killed or stopped, a
// container that exits is started again after a back-off, as the kubelet
// does; vttablet needs that: started while a stale mysql.sock from a killed
// mysqld is on the claim, it exits ("failed to ... initialize DB
// credentials: ... connection refused") instead of waiting for mysqld.
func (s *Substrate) StartTablet(ctx context.Context, alias string) error {
	tb, err := s.tablet(alias)
	if err != nil {
		return err
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.anyRunning() {
		return fmt.Errorf("realvitess: tablet %s still runs; stop or kill it first", alias)
	}
	if err := os.RemoveAll(tb.socketDir); err != nil {
		return err
	}
	if err := s.acc.mkdirs(tb.dir, tb.dataRoot, tb.socketDir); err != nil {
		return err
	}
	if err := s.writeSecretVolumes(tb); err != nil {
		return err
	}
	tb.reachable, tb.started, tb.restarts = true, true, 0
	tb.gen++
	if err := s.startContainer(tb, containerMysqlctld, tb.gen); err != nil {
		return err
	}
	if err := s.startContainer(tb, containerVttablet, tb.gen); err != nil {
		tb.started = false
		tb.mysqlctld.signalGroup(sigKill)
		return err
	}
	return nil
}

// The processes of a tablet pod, one per container.
const (
	containerMysqlctld = "mysqlctld"
	containerVttablet  = "vttablet"
)

// startContainer starts one container's process; tb.mu is held.
func (s *Substrate) startContainer(tb *tablet, name string, gen int) error {
	argv, env, slot := tb.vttabletArgv, tb.vttabletEnv, &tb.vttablet
	if name == containerMysqlctld {
		argv, env, slot = tb.mysqlctldArgv, tb.mysqlctldEnv, &tb.mysqlctld
	}
	p, err := startProc(s.acc, tb.alias+" "+name, filepath.Join(s.logDir(), tb.alias+"-"+name+".log"), tb.dir, env, argv,
		func() { s.exited(tb, name, gen) })
	if err != nil {
		return err
	}
	*slot = p
	if !tb.reachable {
		p.signalGroup(syscall.SIGSTOP)
	}
	return nil
}

// exited restarts a container of a started tablet after a back-off: 1s,
// doubling to 30s (the kubelet's is ten times longer).
func (s *Substrate) exited(tb *tablet, name string, gen int) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if !tb.started || tb.gen != gen {
		return
	}
	delay := time.Second << min(tb.restarts, 5)
	delay = min(delay, 30*time.Second)
	tb.restarts++
	time.AfterFunc(delay, func() {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		if tb.started && tb.gen == gen {
			_ = s.startContainer(tb, name, gen)
		}
	})
}

// downContainers says which of the tablet's containers are not running and
// how the last run of each ended, or "" when both run; tb.mu is held.
func (tb *tablet) downContainers() string {
	var down []string
	for _, c := range []struct {
		name string
		p    *proc
	}{{containerMysqlctld, tb.mysqlctld}, {containerVttablet, tb.vttablet}} {
		switch {
		case c.p == nil:
			down = append(down, c.name+" not started")
		case !c.p.running():
			down = append(down, fmt.Sprintf("%s exited (%v)", c.name, c.p.err))
		}
	}
	return strings.Join(down, ", ")
}

// WaitServing returns once the tablet's vttablet answers on its web port
// (/debug/status), its mysqld answers a query through its socket, and the
// tablet's record in the topology names its mysqld's port: vttablet learns
// the port from mysqld once its init SQL has made vt_dba, and until then a
// replica told to follow the tablet would replicate from port 0.
func (s *Substrate) WaitServing(ctx context.Context, alias string) error {
	tb, err := s.tablet(alias)
	if err != nil {
		return err
	}
	return poll(ctx, "tablet "+alias, func() error {
		tb.mu.Lock()
		started, down, restarts, reachable := tb.started, tb.downContainers(), tb.restarts, tb.reachable
		tb.mu.Unlock()
		if !started {
			return errExited
		}
		if !reachable {
			return errors.New("the tablet is cut off")
		}
		if down != "" {
			return fmt.Errorf("%s (%d restarts)", down, restarts)
		}
		if err := httpOK(fmt.Sprintf("http://127.0.0.1:%d/debug/status", tb.webPort)); err != nil {
			return err
		}
		if _, err := s.query(ctx, tb, "SELECT 1"); err != nil {
			return err
		}
		out, err := s.vtctldclientOutput(ctx, "GetTablet", alias)
		if err != nil {
			return err
		}
		var rec struct {
			MysqlPort int `json:"mysql_port"`
		}
		if err := json.Unmarshal([]byte(out), &rec); err != nil {
			return fmt.Errorf("reading GetTablet %s: %w", alias, err)
		}
		if rec.MysqlPort == 0 {
			return fmt.Errorf("the tablet's record has no mysql port yet")
		}
		return nil
	})
}

// KillTablet kills mysqlctld, vttablet, mysqld_safe and mysqld with SIGKILL.
func (s *Substrate) KillTablet(ctx context.Context, alias string) error {
	tb, err := s.tablet(alias)
	if err != nil {
		return err
	}
	tb.kill()
	return tb.waitCtx(ctx)
}

// StopTablet sends SIGTERM to mysqlctld and vttablet, as the kubelet does to
// each container of a deleted pod (mysqlctld then shuts mysqld down), and
// SIGKILL to whatever is left after StopGrace.
func (s *Substrate) StopTablet(ctx context.Context, alias string) error {
	tb, err := s.tablet(alias)
	if err != nil {
		return err
	}
	tb.mu.Lock()
	tb.started = false
	tb.gen++
	procs := []*proc{tb.mysqlctld, tb.vttablet}
	tb.mu.Unlock()
	for _, p := range procs {
		p.signal(syscall.SIGTERM)
	}
	deadline := time.Now().Add(StopGrace)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if !tb.mysqlctld.running() && !tb.vttablet.running() && tb.mysqldPid() == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.kill()
	return tb.waitCtx(ctx)
}

// anyRunning reports whether the tablet's pod exists or any of its
// processes still runs; the caller holds tb.mu.
func (tb *tablet) anyRunning() bool {
	return tb.started || tb.mysqlctld.running() || tb.vttablet.running() || tb.mysqldPid() != 0
}

// DeleteClaim removes a tablet's data directory, which stands in for its
// data claim, as deleting the claim of a deleted pod does: the tablet's
// next start begins with an empty mysqld. The tablet must not be started.
func (s *Substrate) DeleteClaim(alias string) error {
	tb, err := s.tablet(alias)
	if err != nil {
		return err
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if tb.anyRunning() {
		return fmt.Errorf("realvitess: tablet %s still runs; stop or kill it before deleting its claim", alias)
	}
	if err := os.RemoveAll(tb.dataRoot); err != nil {
		return fmt.Errorf("realvitess: deleting the claim of %s: %w", alias, err)
	}
	return nil
}

// SetReachable cuts a tablet off by stopping (SIGSTOP) every one of its
// processes, mysqld included, and brings it back with SIGCONT. While cut off
// nothing it runs answers, and exec into it fails.
func (s *Substrate) SetReachable(ctx context.Context, alias string, reachable bool) error {
	tb, err := s.tablet(alias)
	if err != nil {
		return err
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	sig := syscall.SIGSTOP
	if reachable {
		sig = syscall.SIGCONT
	}
	tb.signalAll(sig)
	tb.reachable = reachable
	return nil
}

// mysqldPid is the pid of the tablet's live mysqld, from its pid file, or 0.
func (tb *tablet) mysqldPid() int {
	pid, ok := pidFromFile(filepath.Join(tb.dataRoot, "vt_"+tb.uid, "mysql.pid"))
	if !ok || !alive(pid) {
		return 0
	}
	// A pid file left by a killed mysqld may name a process that reused the pid.
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err != nil || !strings.Contains(filepath.Base(exe), "mariadbd") && !strings.Contains(filepath.Base(exe), "mysqld") {
		return 0
	}
	return pid
}

// signalAll signals both process groups (mysqlctld's holds mysqld_safe and
// mysqld) and mysqld by its pid file, in case it left the group.
func (tb *tablet) signalAll(sig syscall.Signal) {
	tb.mysqlctld.signalGroup(sig)
	tb.vttablet.signalGroup(sig)
	if pid := tb.mysqldPid(); pid != 0 {
		_ = syscall.Kill(pid, sig)
	}
}

// kill sends SIGKILL to everything of the tablet, which is not restarted.
func (tb *tablet) kill() {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.started = false
	tb.gen++
	tb.signalAll(sigKill)
}

// waitCtx waits until every process of the tablet is gone.
func (tb *tablet) waitCtx(ctx context.Context) error {
	return poll(ctx, "the end of tablet "+tb.alias, func() error {
		if tb.mysqlctld.running() || tb.vttablet.running() || tb.mysqldPid() != 0 {
			return fmt.Errorf("still running")
		}
		for _, p := range []*proc{tb.mysqlctld, tb.vttablet} {
			if p != nil && len(groupMembers(p.cmd.Process.Pid)) > 0 {
				return fmt.Errorf("process group %d still has members", p.cmd.Process.Pid)
			}
		}
		return nil
	})
}

func (tb *tablet) wait(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_ = tb.waitCtx(ctx)
}

// lookHost finds a host binary on the PATH the tier's processes get.
func lookHost(name string) (string, error) {
	for _, dir := range []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"} {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return exec.LookPath(name)
}
