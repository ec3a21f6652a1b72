package dataplane

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// teardownWait bounds how long mysqlctl teardown waits for mysqld to shut
// down before it removes the data directory anyway (--force).
const teardownWait = 20 * time.Second

// TeardownArgs is the command line that shuts a tablet's mysqld down and
// removes its data directory: mysqlctl's teardown (go/cmd/mysqlctl/command/
// teardown.go), which finds my.cnf under $VTDATAROOT by the tablet UID.
// --force removes the directory even when mysqld does not shut down
// cleanly: the data is being discarded either way. The UID is printed in
// decimal: mysqlctl reads it with base prefixes, and the alias's
// zero-padded form would read as octal.
func TeardownArgs(uid uint64) []string {
	return []string{"mysqlctl", "--tablet-uid=" + strconv.FormatUint(uid, 10),
		"teardown", "--force", "--wait-time=" + teardownWait.String()}
}

// RebuildArgs is the command line that discards a tablet's data: mysqlctl
// teardown, then the tablet's directory with the my.cnf teardown leaves
// behind. mysqlctld initialises a new data directory only when it finds no
// my.cnf (go/cmd/mysqlctld/cli/mysqlctld.go); with my.cnf and no data it
// would start a mysqld that exits at once. The directory goes even when
// teardown fails (it has removed the data with --force, or found no
// mysqld to stop), and teardown's exit status is the command's.
func RebuildArgs(uid uint64) []string {
	dir := fmt.Sprintf("%s/vt_%010d", VtDataRoot, uid)
	return []string{"sh", "-c", strings.Join(TeardownArgs(uid), " ") + `; s=$?; rm -rf '` + dir + `' && exit $s`}
}

// Rebuild discards a tablet's data (RebuildArgs) from its mysqld
// container. The pod made next on the same claim finds no tablet
// directory: mysqlctld initialises a new one, and vttablet restores from a
// backup when it is told to, or starts empty and replicates from the
// primary.
func (v *Vitess) Rebuild(ctx context.Context, m Member) error {
	uid, err := strconv.ParseUint(tabletUID(m), 10, 32)
	if err != nil {
		return fmt.Errorf("rebuilding %s: the alias has no tablet UID: %w", m.ID, err)
	}
	res, err := v.run(ctx, m.Target, MysqldContainer, teardownWait+v.timeouts.Command, RebuildArgs(uid))
	if err != nil {
		return fmt.Errorf("rebuilding %s: %w", m.ID, err)
	}
	if res.ExitCode != 0 {
		return &HookError{Hook: "mysqlctl teardown", Member: m.ID, ExitCode: res.ExitCode, Stderr: res.Stderr + res.Stdout}
	}
	return nil
}
