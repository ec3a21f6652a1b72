package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	switch filepath.Base(os.Args[0]) {
	case "mysql", "mysqlctl", "vtctldclient":
		os.Exit(runAs(filepath.Base(os.Args[0]), os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// runAs answers as mysql, mysqlctl or vtctldclient: tabletsim is installed under those
// names too, so the vitess driver's command lines reach it.
func runAs(name string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	s, code := newSim(getenv, stdout, stderr)
	if code != 0 {
		return code
	}
	switch name {
	case "mysql":
		return runMysql(s, args, stdout, stderr)
	case "mysqlctl":
		return runMysqlctl(s, args, stdout, stderr)
	}
	return runVtctldclient(s, args, stdout, stderr)
}

// newSim reads the member a command runs in from the environment the
// simulation host gives every exec.
func newSim(getenv func(string) string, stdout, stderr io.Writer) (sim, int) {
	dir := getenv("DATA_DIR")
	if dir == "" {
		dir, _ = os.Getwd()
	}
	root := getenv("SIM_ROOT")
	if root == "" {
		fmt.Fprintln(stderr, "tabletsim: SIM_ROOT is not set; run it through kubectl exec on the local cluster")
		return sim{}, 2
	}
	self := member{name: getenv("POD_NAME"), namespace: getenv("POD_NAMESPACE"), dir: dir, uid: getenv("POD_UID")}
	reg := registry{root: root}
	if m, ok := reg.lookup(self.name, self.namespace); ok {
		self.env = m.env
	}
	return sim{self: self, reg: reg, out: stdout}, 0
}

// run executes one RSS hook and returns the process exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: tabletsim sequence|seed|primary|secondary|status|stop|write N [primaries...]")
		return 2
	}
	s, code := newSim(getenv, stdout, stderr)
	if code != 0 {
		return code
	}
	var err error
	switch hook, rest := args[0], args[1:]; hook {
	case "status":
		return s.status()
	case "sequence":
		err = s.sequence()
	case "seed", "primary":
		err = s.startPrimary()
	case "secondary":
		err = s.startSecondary(rest)
	case "stop":
		err = s.stop()
	case "write":
		if len(rest) == 0 {
			fmt.Fprintln(stderr, "usage: tabletsim write N")
			return 2
		}
		n, perr := strconv.ParseUint(rest[0], 10, 64)
		if perr != nil {
			fmt.Fprintf(stderr, "tabletsim write: %q is not a count: %v\n", rest[0], perr)
			return 2
		}
		err = s.write(n)
	default:
		fmt.Fprintf(stderr, "tabletsim: unknown hook %q\n", hook)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "tabletsim %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
