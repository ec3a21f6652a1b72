package realvitess

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// account is who the Vitess processes run as: Vitess servers refuse to run as
// root, so a root test runs them as an unprivileged user (hack/real-vitess.sh
// creates it); a non-root test runs them as itself.
type account struct {
	name string
	cred *syscall.Credential // nil: the test's own user
}

// defaultUser is the user hack/real-vitess.sh creates for the tier.
const defaultUser = "vitess-test"

func lookupAccount() (account, error) {
	if os.Geteuid() != 0 {
		return account{name: "(self)"}, nil
	}
	name := os.Getenv("REAL_VITESS_USER")
	if name == "" {
		name = defaultUser
	}
	u, err := user.Lookup(name)
	if err != nil {
		return account{}, fmt.Errorf("the Vitess daemons refuse to run as root and user %q does not exist: "+
			"run hack/real-vitess.sh, which creates it (%v)", name, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return account{}, err
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return account{}, err
	}
	return account{name: name, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}}, nil
}

// chown gives path to the account, so that its processes can write there.
func (a account) chown(path string) error {
	if a.cred == nil {
		return nil
	}
	return os.Chown(path, int(a.cred.Uid), int(a.cred.Gid))
}

// mkdirs makes directories owned by the account.
func (a account) mkdirs(paths ...string) error {
	for _, p := range paths {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := a.chown(p); err != nil {
			return err
		}
	}
	return nil
}

// sysProcAttr runs a process as the account, in a process group of its own
// (so that it and everything it starts, mysqld_safe and mysqld included, can
// be signalled at once), killed if the test process dies.
func (a account) sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: a.cred, Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// hostEnv is the environment every process starts from: a PATH that finds
// the host's MariaDB (mysqld is in /usr/sbin), and HOME and TMPDIR in the
// tier's directory so that nothing reads or writes the invoking user's files.
func hostEnv(home string) []string {
	return []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + home,
		"TMPDIR=" + home,
		"LANG=C",
	}
}

// proc is one long-running process of the tier: etcd, vtctld, or a tablet's
// mysqlctld or vttablet.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error // set before done closes
	log  *os.File
}

// startProc starts argv as the account, with its output appended to logPath;
// onExit, if not nil, is called once the process has exited.
func startProc(a account, name, logPath, dir string, env, argv []string, onExit func()) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "=== %s: %s\n", time.Now().Format(time.RFC3339Nano), strings.Join(argv, " "))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = a.sysProcAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), log: f}
	go func() {
		p.err = cmd.Wait()
		fmt.Fprintf(f, "=== %s: %s exited: %v\n", time.Now().Format(time.RFC3339Nano), name, p.err)
		f.Close()
		close(p.done)
		if onExit != nil {
			onExit()
		}
	}()
	return p, nil
}

// running reports whether the process has not exited (it may be stopped).
func (p *proc) running() bool {
	if p == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// signal sends sig to the process alone.
func (p *proc) signal(sig syscall.Signal) {
	if p.running() {
		_ = p.cmd.Process.Signal(sig)
	}
}

// signalGroup sends sig to the process's group: the process and every
// process it started that did not leave the group. The group outlives its
// leader, so this is sent even after the leader exited.
func (p *proc) signalGroup(sig syscall.Signal) {
	if p == nil || p.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, sig)
}

// wait waits up to d for the process to exit.
func (p *proc) wait(d time.Duration) bool {
	if p == nil {
		return true
	}
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// withPath is env with dir put first on its PATH (added when env has none).
func withPath(env []string, dir string) []string {
	out := append([]string(nil), env...)
	for i, e := range out {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			out[i] = "PATH=" + dir + ":" + v
			return out
		}
	}
	return append(out, "PATH="+dir+":"+hostEnv("")[0][len("PATH="):])
}
