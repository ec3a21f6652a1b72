package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// markerTornDown, holding a pod UID, says mysqlctl teardown ran in that
// pod: its mysqld is shut down and its data directory gone, so nothing of
// the tablet answers until a new pod starts on the claim. The marker lives
// in the data directory because the simulated mysqld does; the new pod
// finds no state and starts as a tablet that never ran.
const markerTornDown = "torn-down"

// runMysqlctl answers the one mysqlctl command the vitess driver runs in a
// tablet's mysqld container (go/cmd/mysqlctl/command/teardown.go):
//
//	mysqlctl --tablet-uid=<uid> teardown --force --wait-time=<duration>
//
// Teardown shuts mysqld down and removes the tablet's data directory: its
// transactions, its server_uuid, its replication settings, and any marker
// a test put there. The UID must be the pod's, in decimal: mysqlctl reads
// it with base prefixes, so a zero-padded UID would name another tablet.
func runMysqlctl(s sim, args []string, stdout, stderr io.Writer) int {
	flags, rest, err := parseFlags(args)
	if err != nil || len(rest) != 1 || rest[0] != "teardown" {
		fmt.Fprintf(stderr, "mysqlctl (tabletsim): only teardown is simulated, got %v\n", args)
		return 2
	}
	own, err := strconv.ParseUint(s.self.env["TABLET_UID"], 10, 32)
	if err != nil {
		fmt.Fprintf(stderr, "mysqlctl (tabletsim): the pod is not a tablet: %v\n", err)
		return 2
	}
	if flags["tablet-uid"] != strconv.FormatUint(own, 10) {
		fmt.Fprintf(stderr, "failed to find mysql config: --tablet-uid=%s is not this pod's tablet (%d)\n", flags["tablet-uid"], own)
		return 1
	}
	if err := teardown(s.self); err != nil {
		fmt.Fprintln(stderr, "failed teardown mysql:", err)
		return 1
	}
	return 0
}

// teardown removes the member's simulated data under its lock, so that no
// write or replication step in flight lands on the directory half gone,
// then marks its pod's mysqld down.
func teardown(m member) error {
	if m.uid == "" {
		return errors.New("the pod's UID is unknown: a marker without one would hold every later pod down")
	}
	unlock, err := m.lock()
	if err != nil {
		return err
	}
	defer unlock()
	for _, f := range []string{m.statePath(), m.statePath() + ".tmp", filepath.Join(m.dir, markerCrash), filepath.Join(m.dir, markerWedged)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return os.WriteFile(filepath.Join(m.dir, markerTornDown), []byte(m.uid), 0o644)
}
