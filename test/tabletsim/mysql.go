package main

import (
	"fmt"
	"io"
	"strings"
)

// runMysql answers the one query the vitess driver sends a tablet's mysqld,
// with the flags it sends it:
//
//	mysql --socket=/vt/vtdataroot/vt_<uid>/mysql.sock --user=vt_dba --batch --skip-column-names --execute=<query>
//
// It prints read_only, gtid_executed and the number of running replication
// channels, tab-separated, with newlines in values escaped as mysql --batch
// does. A crashed member answers as a mysqld that is not there.
func runMysql(s sim, args []string, stdout, stderr io.Writer) int {
	flags, rest, err := parseFlags(args)
	if err != nil || len(rest) > 0 {
		fmt.Fprintf(stderr, "mysql (tabletsim): unexpected arguments %v\n", args)
		return 2
	}
	for _, want := range []string{"socket", "user", "batch", "skip-column-names", "execute"} {
		if _, ok := flags[want]; !ok {
			fmt.Fprintf(stderr, "mysql (tabletsim): --%s is missing; the driver always sends it\n", want)
			return 2
		}
	}
	if uid := s.self.env["TABLET_UID"]; uid != "" && flags["socket"] != "/vt/vtdataroot/vt_"+uid+"/mysql.sock" {
		fmt.Fprintf(stderr, "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '%s' (2)\n", flags["socket"])
		return 1
	}
	q := flags["execute"]
	if !strings.Contains(q, "@@global.read_only") || !strings.Contains(q, "@@global.gtid_executed") ||
		!strings.Contains(q, "replication_connection_status") {
		fmt.Fprintf(stderr, "ERROR 1064 (42000): the simulator does not answer %q\n", q)
		return 1
	}
	if s.self.has(markerCrash) {
		fmt.Fprintf(stderr, "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '%s' (111)\n", flags["socket"])
		return 1
	}
	st, err := s.self.update(func(st *state) error {
		s.catchUp(st)
		return nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "mysql (tabletsim):", err)
		return 1
	}
	readOnly, running := 1, 0
	if st.Role == rolePrimary {
		readOnly = 0
	}
	if st.Role == roleSecondary {
		running = 1
	}
	fmt.Fprintf(stdout, "%d\t%s\t%d\n", readOnly, strings.ReplaceAll(st.gtids().String(), ",", `,\n`), running)
	return 0
}

// parseFlags splits --name=value and --name arguments from the others.
func parseFlags(args []string) (map[string]string, []string, error) {
	flags := map[string]string{}
	var rest []string
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			rest = append(rest, a)
			continue
		}
		name, value, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if name == "" {
			return nil, nil, fmt.Errorf("bad flag %q", a)
		}
		flags[name] = value
	}
	return flags, rest, nil
}
