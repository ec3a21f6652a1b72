package realvitess

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// executor runs the driver's command lines as kubectl exec runs them in a
// tablet pod or in the vtctld pod.
type executor struct{ s *Substrate }

// Exec runs argv in the tablet named by t.Pod (its alias, or the name of the
// pod the operator would make for it). It runs vtctldclient (the built one),
// mysql (the host's MariaDB client) and sh scripts, with both first on the
// PATH; /vt/vtdataroot and /vt/socket in the arguments are the tablet's
// directories; it runs as the tier's user. As
// through the kubelet, an exec fails with an error, not a Result, when the
// tablet is cut off (SetReachable), when the container's main process
// (vttablet, or mysqlctld for the mysqld container) does not run, after
// KillTablet or StopTablet, or when ctx ends; a command that ran and failed
// is a Result with its exit code. In the pod named VtctldPod it runs
// vtctldclient alone, as execVtctld says.
func (e executor) Exec(ctx context.Context, t dataplane.Target, argv []string) (dataplane.Result, error) {
	s := e.s
	if t.Pod == s.vtctldPod && s.vtctldPod != "" {
		return s.execVtctld(ctx, t, argv)
	}
	tb, ok := s.byName[t.Pod]
	if !ok {
		return dataplane.Result{}, fmt.Errorf("exec in %s: pod %q not found", t, t.Pod)
	}
	if len(argv) == 0 {
		return dataplane.Result{}, fmt.Errorf("exec in %s: no command", t)
	}
	tb.mu.Lock()
	reachable := tb.reachable
	var main *proc
	var env []string
	switch t.Container {
	case dataplane.VttabletContainer:
		main, env = tb.vttablet, tb.vttabletEnv
	case dataplane.MysqldContainer:
		main, env = tb.mysqlctld, tb.mysqlctldEnv
	default:
		tb.mu.Unlock()
		return dataplane.Result{}, fmt.Errorf("exec in %s: container %q not found", t, t.Container)
	}
	running := main.running()
	tb.mu.Unlock()
	if !reachable {
		return dataplane.Result{}, fmt.Errorf("exec in %s: tablet %s is unreachable", t, tb.alias)
	}
	if !running {
		return dataplane.Result{}, fmt.Errorf("exec in %s: container %s is not running", t, t.Container)
	}
	host, err := s.hostArgv(tb, argv)
	if err != nil {
		return dataplane.Result{}, fmt.Errorf("exec in %s: %w", t, err)
	}
	res, err := s.runHost(ctx, tb.dir, env, host)
	if err != nil {
		return res, fmt.Errorf("exec in %s: %w", t, err)
	}
	return res, nil
}

// execVtctld runs vtctldclient in the vtctld pod (VtctldPod): with
// vtctld's environment, in its directory, and only while vtctld runs.
func (s *Substrate) execVtctld(ctx context.Context, t dataplane.Target, argv []string) (dataplane.Result, error) {
	if t.Container != dataplane.VtctldContainer {
		return dataplane.Result{}, fmt.Errorf("exec in %s: container %q not found", t, t.Container)
	}
	if len(argv) == 0 || filepath.Base(argv[0]) != "vtctldclient" {
		return dataplane.Result{}, fmt.Errorf("exec in %s: %v: the tier runs only vtctldclient in the vtctld pod", t, argv)
	}
	if !s.vtctld.running() {
		return dataplane.Result{}, fmt.Errorf("exec in %s: container %s is not running", t, t.Container)
	}
	host := append([]string{filepath.Join(s.podBin(), "vtctldclient")}, argv[1:]...)
	res, err := s.runHost(ctx, s.vtctldHome, s.vtctldEnv, host)
	if err != nil {
		return res, fmt.Errorf("exec in %s: %w", t, err)
	}
	return res, nil
}

// hostArgv maps a pod command line onto the host: vtctldclient and mysql by
// name (or under /vt/bin), and sh for scripts that run them; pod paths in
// the arguments become the tablet's, and inside a script wherever they
// appear.
func (s *Substrate) hostArgv(tb *tablet, argv []string) ([]string, error) {
	paths := map[string]string{podDataRoot: tb.dataRoot, podSocketDir: tb.socketDir}
	name := filepath.Base(argv[0])
	switch name {
	case "vtctldclient", "mysql", "mysqlctl":
		out := []string{filepath.Join(s.podBin(), name)}
		for _, a := range argv[1:] {
			if flag, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(flag, "-") {
				out = append(out, flag+"="+s.hostValue(value, paths))
			} else {
				out = append(out, s.hostValue(a, paths))
			}
		}
		return out, nil
	case "sh", "bash":
		sh, err := lookHost(name)
		if err != nil {
			return nil, err
		}
		out := []string{sh}
		for _, a := range argv[1:] {
			for pod, host := range paths {
				a = strings.ReplaceAll(a, pod+"/", host+"/")
			}
			out = append(out, a)
		}
		return out, nil
	}
	return nil, fmt.Errorf("%q: executable file not found in the tablet pod (the tier has vtctldclient, mysqlctl, mysql and sh)", argv[0])
}

// podBin is the directory at the head of the PATH of commands run in a
// tablet pod: vtctldclient and mysqlctl (the built ones), and mysql (the
// host's MariaDB client).
func (s *Substrate) podBin() string { return filepath.Join(s.dir, "podbin") }

func (s *Substrate) makePodBin() error {
	mysql, err := lookHost("mysql")
	if err != nil {
		return err
	}
	if err := s.acc.mkdirs(s.podBin()); err != nil {
		return err
	}
	for name, target := range map[string]string{"vtctldclient": filepath.Join(s.bin, "vtctldclient"),
		"mysqlctl": filepath.Join(s.bin, "mysqlctl"), "mysql": mysql} {
		if err := os.Symlink(target, filepath.Join(s.podBin(), name)); err != nil {
			return err
		}
	}
	return nil
}

// runHost runs argv as the tier's user in its own process group, which is
// killed when ctx ends, with env: the container's environment, as kubectl
// exec gives it (VTDATAROOT, by which mysqlctl finds my.cnf), the pod's
// commands first on its PATH.
func (s *Substrate) runHost(ctx context.Context, dir string, env, argv []string) (dataplane.Result, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = withPath(env, s.podBin())
	cmd.SysProcAttr = s.acc.sysProcAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := dataplane.Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	var exit *exec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			// As a shell reports a command killed by a signal.
			res.ExitCode = 128 + int(ws.Signal())
		}
		return res, nil
	}
	return res, err
}

// mysqlAs runs one statement on a tablet's mysqld through its socket, as the
// driver's mysql command line does, but as user.
func (s *Substrate) mysqlAs(ctx context.Context, tb *tablet, user, query string) (dataplane.Result, error) {
	argv := dataplane.MysqlArgs(tb.uid, query)
	for i, a := range argv {
		if strings.HasPrefix(a, "--user=") {
			argv[i] = "--user=" + user
		}
	}
	host, err := s.hostArgv(tb, argv)
	if err != nil {
		return dataplane.Result{}, err
	}
	return s.runHost(ctx, tb.dir, hostEnv(tb.dir), host)
}

// query runs one statement as vt_dba and returns its output, failing on a
// non-zero exit.
func (s *Substrate) query(ctx context.Context, tb *tablet, q string) (string, error) {
	res, err := s.mysqlAs(ctx, tb, "vt_dba", q)
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 {
		return "", &mysqlError{tablet: tb.alias, query: q, exit: res.ExitCode, stderr: strings.TrimSpace(res.Stderr)}
	}
	return res.Stdout, nil
}

type mysqlError struct {
	tablet, query, stderr string
	exit                  int
}

func (e *mysqlError) Error() string {
	return fmt.Sprintf("tablet %s: mysql %q exited %d: %s", e.tablet, e.query, e.exit, e.stderr)
}

// has reports whether the error is the MySQL error number n.
func (e *mysqlError) has(n int) bool { return strings.Contains(e.stderr, "ERROR "+strconv.Itoa(n)+" ") }

// rowsTable is the table Write fills, in the keyspace's database.
func (s *Substrate) rowsTable() string { return "vt_" + s.cfg.Keyspace + ".scenario_rows" }

// writeUser is who Write connects as: vt_app, the application user, which
// MariaDB's read_only stops. vt_dba holds every privilege, and on MariaDB,
// which has no super_read_only, that includes writing to a read-only server:
// a write as vt_dba to a replica would succeed here where MySQL refuses it.
const writeUser = "vt_app"

// reachableTablet returns a tablet that can be queried.
func (s *Substrate) reachableTablet(alias string) (*tablet, error) {
	tb, err := s.tablet(alias)
	if err != nil {
		return nil, err
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if !tb.reachable {
		return nil, fmt.Errorf("realvitess: tablet %s is unreachable", alias)
	}
	return tb, nil
}

// Write commits n rows on the tablet's mysqld, one autocommitted INSERT (one
// mysql client) each, after creating the keyspace's database and the table
// if they are missing (PlannedReparentShard creates the database). It returns how many commits returned successfully;
// one blocked (on semi-sync) when ctx ends is not counted.
func (s *Substrate) Write(ctx context.Context, alias string, n int) (int, error) {
	tb, err := s.reachableTablet(alias)
	if err != nil {
		return 0, err
	}
	table := s.rowsTable()
	// The DDL only when the table is missing: even a CREATE ... IF NOT
	// EXISTS that finds it waits for a semi-sync acknowledgement on MariaDB.
	have, err := s.mysqlAs(ctx, tb, writeUser, fmt.Sprintf("SELECT COUNT(*) FROM information_schema.TABLES "+
		"WHERE TABLE_SCHEMA = 'vt_%s' AND TABLE_NAME = 'scenario_rows'", s.cfg.Keyspace))
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(have.Stdout) != "1" {
		ddl := fmt.Sprintf("CREATE DATABASE IF NOT EXISTS vt_%s; CREATE TABLE IF NOT EXISTS %s "+
			"(id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, written_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB",
			s.cfg.Keyspace, table)
		if err := s.writeOne(ctx, tb, ddl); err != nil {
			return 0, err
		}
	}
	for i := 0; i < n; i++ {
		if err := s.writeOne(ctx, tb, "INSERT INTO "+table+" () VALUES ()"); err != nil {
			return i, err
		}
	}
	return n, nil
}

func (s *Substrate) writeOne(ctx context.Context, tb *tablet, q string) error {
	res, err := s.mysqlAs(ctx, tb, writeUser, q)
	if err != nil {
		return fmt.Errorf("tablet %s: %q: %w", tb.alias, q, err)
	}
	if res.ExitCode != 0 {
		return &mysqlError{tablet: tb.alias, query: q, exit: res.ExitCode, stderr: strings.TrimSpace(res.Stderr)}
	}
	return nil
}

// Rows counts the rows of Write's table on the tablet; none when the table
// or the database is not there.
func (s *Substrate) Rows(ctx context.Context, alias string) (int, error) {
	tb, err := s.reachableTablet(alias)
	if err != nil {
		return 0, err
	}
	out, err := s.query(ctx, tb, "SELECT COUNT(*) FROM "+s.rowsTable())
	var me *mysqlError
	if errors.As(err, &me) && (me.has(1146) || me.has(1049)) { // no such table, no such database
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

// Writable reads @@global.read_only from the tablet's mysqld.
func (s *Substrate) Writable(ctx context.Context, alias string) (bool, error) {
	tb, err := s.reachableTablet(alias)
	if err != nil {
		return false, err
	}
	out, err := s.query(ctx, tb, "SELECT @@global.read_only")
	if err != nil {
		return false, err
	}
	switch strings.TrimSpace(out) {
	case "0":
		return true, nil
	case "1":
		return false, nil
	}
	return false, fmt.Errorf("tablet %s: read_only is %q", alias, strings.TrimSpace(out))
}

// Query runs a statement on a tablet's mysqld as vt_dba and returns what
// mysql --batch --skip-column-names printed; for tests' own checks.
func (s *Substrate) Query(ctx context.Context, alias, q string) (string, error) {
	tb, err := s.reachableTablet(alias)
	if err != nil {
		return "", err
	}
	return s.query(ctx, tb, q)
}
