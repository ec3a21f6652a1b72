package dataplane

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Containers of a tablet pod the Vitess driver runs commands in.
const (
	// VttabletContainer runs vtctldclient, which ships in the Vitess image.
	VttabletContainer = "vttablet"
	// MysqldContainer runs the mysql client, which ships with MySQL.
	MysqldContainer = "mysqld"
)

// vitessTimeout bounds one vtctldclient or mysql command; reparents wait for
// replicas up to their own 15s default, so this leaves room for that.
const vitessTimeout = 45 * time.Second

// statusQuery asks mysqld, in one round trip, whether it is writable, what it
// holds and whether replication runs.
const statusQuery = "SELECT @@global.read_only, @@global.gtid_executed, " +
	"(SELECT COUNT(*) FROM performance_schema.replication_connection_status WHERE SERVICE_STATE = 'ON')"

// Vitess drives the tablets of one shard: their states and positions come
// from mysqld, reparents and replication changes go through vtctld.
type Vitess struct {
	exec     Executor
	server   string
	keyspace string
	shard    string
}

// NewVitess returns the driver of keyspace/shard, reaching vtctld at server.
func NewVitess(exec Executor, server, keyspace, shard string) *Vitess {
	return &Vitess{exec: exec, server: server, keyspace: keyspace, shard: shard}
}

// VtctldclientArgs is the command line of one vtctldclient command.
func VtctldclientArgs(server, command string, args ...string) []string {
	return append([]string{"vtctldclient", "--server=" + server, command}, args...)
}

// MysqlArgs is the command line that runs query on a tablet's mysqld through
// its socket, as the vt_dba user, printing tab-separated values only.
func MysqlArgs(uid, query string) []string {
	return []string{"mysql", "--socket=/vt/vtdataroot/vt_" + uid + "/mysql.sock", "--user=vt_dba",
		"--batch", "--skip-column-names", "--execute=" + query}
}

// tabletUID is the UID part of a member's alias, cell-UID.
func tabletUID(m Member) string {
	i := strings.LastIndex(m.ID, "-")
	return m.ID[i+1:]
}

func (v *Vitess) run(ctx context.Context, m Member, container string, argv []string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, vitessTimeout)
	defer cancel()
	t := m.Target
	t.Container = container
	return v.exec.Exec(ctx, t, argv)
}

// vtctld runs a vtctldclient command from the member's vttablet container.
func (v *Vitess) vtctld(ctx context.Context, m Member, command string, args ...string) error {
	res, err := v.run(ctx, m, VttabletContainer, VtctldclientArgs(v.server, command, args...))
	if err != nil {
		return fmt.Errorf("vtctldclient %s for %s: %w", command, m.ID, err)
	}
	if res.ExitCode != 0 {
		return &HookError{Hook: "vtctldclient " + command, Member: m.ID, ExitCode: res.ExitCode, Stderr: res.Stderr + res.Stdout}
	}
	return nil
}

// mysqlStatus is what statusQuery reports.
type mysqlStatus struct {
	readOnly    bool
	gtids       GTIDSet
	replicating bool
}

func (v *Vitess) mysqlStatus(ctx context.Context, m Member) (mysqlStatus, error) {
	res, err := v.run(ctx, m, MysqldContainer, MysqlArgs(tabletUID(m), statusQuery))
	if err != nil {
		return mysqlStatus{}, err
	}
	if res.ExitCode != 0 {
		return mysqlStatus{}, &HookError{Hook: "mysql", Member: m.ID, ExitCode: res.ExitCode, Stderr: res.Stderr}
	}
	return parseMysqlStatus(m.ID, res.Stdout)
}

// OutputError is a command that ran and printed something its driver cannot read.
type OutputError struct {
	Member string
	Detail string
}

func (e *OutputError) Error() string { return "tablet " + e.Member + ": " + e.Detail }

// parseMysqlStatus reads "read_only<TAB>gtid_executed<TAB>running" as mysql
// --batch prints it: newlines inside a value come escaped as \n.
func parseMysqlStatus(tablet, out string) (mysqlStatus, error) {
	fields := strings.Split(strings.TrimRight(out, "\n"), "\t")
	if len(fields) != 3 {
		return mysqlStatus{}, &OutputError{Member: tablet, Detail: fmt.Sprintf("mysql printed %q, not read_only, gtid_executed and a replication count", trimOutput(out))}
	}
	gtids, err := ParseGTIDSet(strings.ReplaceAll(fields[1], `\n`, "\n"))
	if err != nil {
		return mysqlStatus{}, &OutputError{Member: tablet, Detail: "gtid_executed: " + err.Error()}
	}
	readOnly, running := strings.TrimSpace(fields[0]), strings.TrimSpace(fields[2])
	if readOnly != "0" && readOnly != "1" {
		return mysqlStatus{}, &OutputError{Member: tablet, Detail: fmt.Sprintf("read_only is %q, not 0 or 1", readOnly)}
	}
	channels, err := strconv.ParseUint(running, 10, 32)
	if err != nil {
		return mysqlStatus{}, &OutputError{Member: tablet, Detail: fmt.Sprintf("running replication channels is %q, not a count", running)}
	}
	return mysqlStatus{readOnly: readOnly == "1", gtids: gtids, replicating: channels > 0}, nil
}

// Position is the tablet's executed GTID set.
func (v *Vitess) Position(ctx context.Context, m Member) (Position, error) {
	st, err := v.mysqlStatus(ctx, m)
	if err != nil {
		return nil, err
	}
	return st.gtids, nil
}

// Status maps mysqld's state: writable is a primary, read-only and
// replicating a secondary, read-only and not replicating stopped; a mysqld
// that does not answer has failed, and an exec that cannot run is unknown.
func (v *Vitess) Status(ctx context.Context, m Member) (State, string) {
	st, detail, _ := v.StatusAndPosition(ctx, m)
	return st, detail
}

// StatusAndPosition is Status, and the tablet's GTID set from the same query.
func (v *Vitess) StatusAndPosition(ctx context.Context, m Member) (State, string, Position) {
	st, err := v.mysqlStatus(ctx, m)
	var hookErr *HookError
	var outErr *OutputError
	switch {
	case errors.As(err, &hookErr), errors.As(err, &outErr), errors.Is(err, context.DeadlineExceeded):
		return StateFailed, err.Error(), nil
	case err != nil:
		return StateUnknown, err.Error(), nil
	case !st.readOnly:
		return StatePrimary, "", st.gtids
	case st.replicating:
		return StateSecondary, "", st.gtids
	}
	return StateStopped, "", st.gtids
}

// Seed makes the first primary of the shard with PlannedReparentShard,
// which initialises a shard that has none.
func (v *Vitess) Seed(ctx context.Context, m Member, _ []string) error {
	return v.vtctld(ctx, m, "PlannedReparentShard", "--new-primary="+m.ID, "--allow-cross-cell-promotion", v.keyspace+"/"+v.shard)
}

// Promote makes the member the primary with PlannedReparentShard.
func (v *Vitess) Promote(ctx context.Context, m Member, primaries []string) error {
	return v.Seed(ctx, m, primaries)
}

// Failover replaces a lost primary with EmergencyReparentShard, promoting the
// member the engine chose as the most advanced.
func (v *Vitess) Failover(ctx context.Context, m Member, _ []string) error {
	return v.vtctld(ctx, m, "EmergencyReparentShard", "--new-primary="+m.ID, v.keyspace+"/"+v.shard)
}

// Switchover moves the primary role from one tablet to another with
// PlannedReparentShard, which demotes the old primary before promoting.
func (v *Vitess) Switchover(ctx context.Context, from, to Member) error {
	return v.vtctld(ctx, to, "PlannedReparentShard", "--new-primary="+to.ID, "--expected-primary="+from.ID,
		"--allow-cross-cell-promotion", v.keyspace+"/"+v.shard)
}

// Follow starts replication on a tablet; it replicates from the shard's
// primary as recorded in the topology.
func (v *Vitess) Follow(ctx context.Context, m Member, _ []string) error {
	return v.vtctld(ctx, m, "StartReplication", m.ID)
}

// Stop stops replication on a tablet. A primary is not stopped this way:
// the error makes the engine fence it by deleting its pod.
func (v *Vitess) Stop(ctx context.Context, m Member) error {
	return v.vtctld(ctx, m, "StopReplication", m.ID)
}
