package main

import (
	"fmt"
	"io"
	"strings"
)

// runMysql answers the queries the vitess driver sends a tablet's mysqld,
// with the flags it sends them:
//
//	mysql --socket=/vt/vtdataroot/vt_<uid>/mysql.sock --user=vt_dba --batch --skip-column-names --execute=<query>
//
// "SELECT @@global.read_only" prints 1 or 0, and with "; SELECT
// @@global.server_uuid, @@global.gtid_executed" after it a second line,
// the two tab-separated (the probe of a tablet whose vttablet does not
// answer, vitess_observe.go); the fence ("SET GLOBAL
// read_only = ON; SELECT @@global.read_only; ...") makes mysqld read-only
// and prints the setting back; "SET GLOBAL read_only = OFF" makes it
// writable. A mysqld that is not up, or on a lost node,
// answers as one that is not there.
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
	t := tablet{member: s.self, alias: s.self.env["TABLET_ALIAS"]}
	if uid := s.self.env["TABLET_UID"]; uid != "" && flags["socket"] != "/vt/vtdataroot/vt_"+uid+"/mysql.sock" || !t.mysqldUp() {
		fmt.Fprintf(stderr, "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '%s' (2)\n", flags["socket"])
		return 1
	}
	q := strings.TrimSpace(flags["execute"])
	fence := strings.Contains(q, "SET GLOBAL read_only = ON")
	unfence := q == "SET GLOBAL read_only = OFF"
	withPosition := q == "SELECT @@global.read_only; SELECT @@global.server_uuid, @@global.gtid_executed"
	if !fence && !unfence && !withPosition && q != "SELECT @@global.read_only" {
		fmt.Fprintf(stderr, "ERROR 1064 (42000): the simulator does not answer %q\n", q)
		return 1
	}
	st, err := s.self.update(func(st *state) error {
		if fence || unfence {
			st.Writable = unfence
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(stderr, "mysql (tabletsim):", err)
		return 1
	}
	if unfence {
		return 0
	}
	readOnly := 1
	if st.Writable {
		readOnly = 0
	}
	fmt.Fprintf(stdout, "%d\n", readOnly)
	if withPosition {
		fmt.Fprintf(stdout, "%s\t%s\n", st.ServerUUID, st.gtids())
	}
	return 0
}

// parseFlags splits --name=value, --name value and --name arguments from
// the others: a --name followed by an argument that is not a flag takes it
// as its value only for the flags that take one.
func parseFlags(args []string) (map[string]string, []string, error) {
	flags := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "--") {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if name == "" {
			return nil, nil, fmt.Errorf("bad flag %q", a)
		}
		if !hasValue && takesValue(name) && i+1 < len(args) {
			i++
			value = args[i]
		}
		flags[name] = value
	}
	return flags, rest, nil
}

// takesValue lists the flags the operator passes as --name value.
func takesValue(name string) bool {
	switch name {
	case "keyspace", "shard", "format":
		return true
	}
	return false
}
