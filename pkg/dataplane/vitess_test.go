package dataplane

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// GTID sources of the Vitess driver tests.
const (
	vtUUID1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	vtUUID2 = "9b0a3c1e-0c2d-11ee-8b1a-0242ac120002"
	vtSrv   = "vitess-vtctld.ns.svc:15999"
)

// vtCall is one command the Vitess driver ran.
type vtCall struct {
	target   Target
	argv     []string
	deadline time.Duration
}

// vtExec answers the driver's commands with answer and records them.
type vtExec struct {
	mu     sync.Mutex
	calls  []vtCall
	answer func(t Target, argv []string) (Result, error)
}

func (e *vtExec) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	dl, _ := ctx.Deadline()
	e.calls = append(e.calls, vtCall{target: t, argv: append([]string(nil), argv...), deadline: time.Until(dl)})
	if e.answer == nil {
		return Result{}, nil
	}
	return e.answer(t, argv)
}

// vtMember is a tablet of pod p in cell us-east-1 (a cell with dashes).
func vtMember(p string, uid string) Member {
	return Member{Target: Target{Namespace: "ns", Pod: p, Container: "whatever"}, DNSName: "us-east-1-" + uid, ID: "us-east-1-" + uid}
}

// tabletAnswer is what one tablet answers GetFullStatus: JSON, or a failure.
type tabletAnswer struct {
	json   string
	exit   int
	stderr string
}

// probeOutput renders what the probe script prints for these answers and
// this GetTablets answer, the way sh runs it.
func probeOutput(aliases []string, answers map[string]tabletAnswer, tablets tabletAnswer) Result {
	var out, errOut strings.Builder
	write := func(mark string, a tabletAnswer) {
		fmt.Fprintf(&out, "### %s\n%s\n### exit %d\n", mark, a.json, a.exit)
		fmt.Fprintf(&errOut, "### %s\n%s", mark, a.stderr)
	}
	for _, a := range aliases {
		write("status "+a, answers[a])
	}
	write("tablets", tablets)
	return Result{Stdout: out.String(), Stderr: errOut.String()}
}

func fullStatusJSON(readOnly bool, replication string, primaryPos string) string {
	prim := "null"
	if primaryPos != "" {
		prim = fmt.Sprintf(`{"position": %q}`, primaryPos)
	}
	return fmt.Sprintf(`{"tablet_type": "REPLICA", "read_only": %v, "replication_status": %s, "primary_status": %s}`, readOnly, replication, prim)
}

func replicationJSON(io, sql int, pos string) string {
	return fmt.Sprintf(`{"position": %q, "io_state": %d, "sql_state": %d, "last_io_error": ""}`, pos, io, sql)
}

const tabletsJSON = `[{"alias": {"cell": "us-east-1", "uid": 100}, "type": 1, "primary_term_start_time": {"seconds": 1700000000, "nanoseconds": 5}},
 {"alias": {"cell": "us-east-1", "uid": 101}, "type": 2}, {"alias": {"cell": "us-east-1", "uid": 102}, "type": 2},
 {"alias": {"cell": "us-east-1", "uid": 103}, "type": 3}, {"alias": {"cell": "us-east-1", "uid": 199}, "type": 2},
 {"alias": {"cell": "other", "uid": 5}, "type": 2}]`

// TestVitessProbeSetReadsEveryTabletInOneExec proves a healthy shard is
// observed with one exec, and how GetFullStatus maps to states: writable is
// the primary (with its term from the topology), read-only replicating or
// with the IO thread reconnecting to a lost primary a secondary, read-only
// with replication stopped or never configured stopped; positions of both
// flavors parse. A record of one of the shard's own tablets that no member
// stands for is a stranger; another shard's tablet is not.
func TestVitessProbeSetReadsEveryTabletInOneExec(t *testing.T) {
	ms := []Member{vtMember("p0", "0000000100"), vtMember("p1", "0000000101"), vtMember("p2", "0000000102"), vtMember("p3", "0000000103")}
	aliases := []string{ms[0].ID, ms[1].ID, ms[2].ID, ms[3].ID}
	answers := map[string]tabletAnswer{
		ms[0].ID: {json: fullStatusJSON(false, "null", "MySQL56/"+vtUUID1+":1-9")},
		ms[1].ID: {json: fullStatusJSON(true, replicationJSON(3, 3, "MySQL56/"+vtUUID1+":1-9"), "")},
		ms[2].ID: {json: fullStatusJSON(true, replicationJSON(2, 3, "MySQL56/"+vtUUID1+":1-7"), "")},
		ms[3].ID: {json: fullStatusJSON(true, replicationJSON(1, 1, "MariaDB/0-100-4"), "")},
	}
	ex := &vtExec{answer: func(_ Target, argv []string) (Result, error) {
		return probeOutput(aliases, answers, tabletAnswer{json: tabletsJSON}), nil
	}}
	v := NewVitess(ex, vtSrv, "main", "-80").WithOwned(func(a string) bool { return strings.HasPrefix(a, "us-east-1-") })
	obs, err := v.ProbeSet(context.Background(), ms, append(aliases, "us-east-1-0000000150"))
	require.NoError(t, err)
	require.Len(t, ex.calls, 1, "one exec for a healthy shard")
	c := ex.calls[0]
	assert.Equal(t, Target{Namespace: "ns", Pod: "p0", Container: VttabletContainer}, c.target)
	require.Equal(t, []string{"sh", "-c"}, c.argv[:2])
	assert.Contains(t, c.argv[2], "'GetFullStatus' 'us-east-1-0000000102'")
	assert.Contains(t, c.argv[2], "'--action-timeout=5s'")

	assert.Equal(t, StatePrimary, obs.Members["p0"].State)
	assert.Equal(t, int64(1700000000*int64(time.Second)+5), obs.Members["p0"].Term)
	assert.Equal(t, vtUUID1+":1-9", obs.Members["p0"].Position.String())
	assert.Equal(t, StateSecondary, obs.Members["p1"].State)
	assert.Equal(t, StateSecondary, obs.Members["p2"].State, "IO thread reconnecting to a lost primary")
	assert.Equal(t, vtUUID1+":1-7", obs.Members["p2"].Position.String())
	assert.Equal(t, StateStopped, obs.Members["p3"].State)
	assert.Equal(t, "0-100-4", obs.Members["p3"].Position.String())
	assert.Zero(t, obs.Members["p1"].Term)
	assert.Equal(t, []string{"us-east-1-0000000199"}, obs.Strangers)
}

// TestVitessProbeSetNamesEachReplicasSource proves a secondary's source is
// read from the data plane: GetFullStatus's source_host and source_port
// matched to the mysql_hostname and mysql_port of a member's tablet record
// (vttablet names the source from the primary's record). A source that is
// no member, or a stopped tablet's leftover source, names nobody.
func TestVitessProbeSetNamesEachReplicasSource(t *testing.T) {
	ms := []Member{vtMember("p0", "0000000100"), vtMember("p1", "0000000101"), vtMember("p2", "0000000102"), vtMember("p3", "0000000103")}
	aliases := []string{ms[0].ID, ms[1].ID, ms[2].ID, ms[3].ID}
	replicating := func(io int, host string, port int) string {
		return fmt.Sprintf(`{"position": "MySQL56/%s:1-9", "io_state": %d, "sql_state": %d, "source_host": %q, "source_port": %d}`, vtUUID1, io, io, host, port)
	}
	answers := map[string]tabletAnswer{
		ms[0].ID: {json: fullStatusJSON(false, "null", "MySQL56/"+vtUUID1+":1-9")},
		ms[1].ID: {json: fullStatusJSON(true, replicating(3, "10.0.0.1", 3306), "")},
		ms[2].ID: {json: fullStatusJSON(true, replicating(3, "10.0.0.9", 3306), "")},
		ms[3].ID: {json: fullStatusJSON(true, replicating(1, "10.0.0.1", 3306), "")},
	}
	records := `[{"alias": {"cell": "us-east-1", "uid": 100}, "type": 1, "mysql_hostname": "10.0.0.1", "mysql_port": 3306},
 {"alias": {"cell": "us-east-1", "uid": 101}, "type": 2, "mysql_hostname": "10.0.0.2", "mysql_port": 3306},
 {"alias": {"cell": "us-east-1", "uid": 102}, "type": 2, "mysql_hostname": "10.0.0.1", "mysql_port": 3307},
 {"alias": {"cell": "us-east-1", "uid": 103}, "type": 2, "mysql_hostname": "10.0.0.3", "mysql_port": 3306}]`
	ex := &vtExec{answer: func(Target, []string) (Result, error) {
		return probeOutput(aliases, answers, tabletAnswer{json: records}), nil
	}}
	obs, err := NewVitess(ex, vtSrv, "main", "-80").ProbeSet(context.Background(), ms, aliases)
	require.NoError(t, err)
	assert.Equal(t, "p0", obs.Members["p1"].Source, "replicates from the primary's mysqld")
	assert.Empty(t, obs.Members["p2"].Source, "its source is no member's mysqld")
	assert.Equal(t, StateStopped, obs.Members["p3"].State)
	assert.Empty(t, obs.Members["p3"].Source, "a stopped tablet follows nobody")
	assert.Empty(t, obs.Members["p0"].Source)
}

// TestVitessProbeSetTellsDownFromUnreachable proves a tablet whose status
// cannot be read is asked in its own pod: mysqld down or vttablet down is
// failed, with the part named; an exec that cannot run is unknown; a pod
// that cannot run the probe is unknown and the next pod runs it.
func TestVitessProbeSetTellsDownFromUnreachable(t *testing.T) {
	ms := []Member{vtMember("p0", "0000000100"), vtMember("p1", "0000000101"), vtMember("p2", "0000000102"), vtMember("p3", "0000000103")}
	aliases := []string{ms[0].ID, ms[1].ID, ms[2].ID, ms[3].ID}
	down := tabletAnswer{exit: 1, stderr: "E1129 12:00:00.123456   42 main.go:63] rpc error: code = DeadlineExceeded desc = context deadline exceeded\n"}
	answers := map[string]tabletAnswer{
		ms[1].ID: {json: fullStatusJSON(false, "null", "MySQL56/"+vtUUID1+":1-9")},
		ms[2].ID: down, ms[3].ID: down,
	}
	ex := &vtExec{answer: func(tg Target, argv []string) (Result, error) {
		switch {
		case tg.Pod == "p0":
			return Result{}, errors.New("error dialing backend: dial tcp 10.0.0.1:10250: i/o timeout")
		case argv[0] == "sh":
			return probeOutput(aliases, answers, tabletAnswer{json: tabletsJSON}), nil
		case tg.Pod == "p2":
			// MySQL prints a newline inside gtid_executed as \n in batch mode.
			return Result{Stdout: "1\n" + vtUUID1 + "\t" + vtUUID1 + ":1-9,\\n" + vtUUID2 + ":1-2\n"}, nil
		}
		return Result{ExitCode: 1, Stderr: "ERROR 2002 (HY000): Can't connect to local MySQL server through socket\n"}, nil
	}}
	obs, err := NewVitess(ex, vtSrv, "main", "-80").ProbeSet(context.Background(), ms, aliases)
	require.NoError(t, err)
	assert.Equal(t, StateUnknown, obs.Members["p0"].State)
	assert.Contains(t, obs.Members["p0"].Detail, "i/o timeout")
	assert.Equal(t, StatePrimary, obs.Members["p1"].State)
	assert.Equal(t, StateFailed, obs.Members["p2"].State)
	assert.Contains(t, obs.Members["p2"].Detail, "vttablet does not answer: GetFullStatus: DeadlineExceeded: context deadline exceeded")
	assert.NotContains(t, obs.Members["p2"].Detail, "12:00:00", "no timestamp: the message stays the same from pass to pass")
	assert.True(t, obs.Members["p2"].AgentDown, "mysqld up, vttablet down")
	assert.Equal(t, vtUUID1, obs.Members["p2"].ServerID, "read from mysqld")
	require.NotNil(t, obs.Members["p2"].Position, "its position is read from mysqld")
	assert.Equal(t, uint64(11), obs.Members["p2"].Position.(GTIDSet).Count())
	assert.False(t, obs.Members["p3"].AgentDown)
	assert.Equal(t, StateFailed, obs.Members["p3"].State)
	assert.Contains(t, obs.Members["p3"].Detail, "mysqld does not answer")
}

// TestVitessProbeSetFailsWhenVtctldDoesNotAnswer proves a GetTablets that
// fails makes the whole observation an error: nothing is known of any
// tablet, which is not the same as every tablet being down.
func TestVitessProbeSetFailsWhenVtctldDoesNotAnswer(t *testing.T) {
	ms := []Member{vtMember("p0", "0000000100")}
	ex := &vtExec{answer: func(Target, []string) (Result, error) {
		return probeOutput([]string{ms[0].ID}, map[string]tabletAnswer{ms[0].ID: {exit: 1, stderr: "Unavailable: connection refused"}},
			tabletAnswer{exit: 1, stderr: "Unavailable: connection refused"}), nil
	}}
	_, err := NewVitess(ex, vtSrv, "main", "-80").ProbeSet(context.Background(), ms, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GetTablets")
}

// TestVitessCommands proves each step is the vtctldclient command Vitess
// needs for it, run from the acting tablet's vttablet container with an
// --action-timeout, under an exec deadline longer than that timeout.
func TestVitessCommands(t *testing.T) {
	from, to := vtMember("pod-from", "0000000100"), vtMember("pod-to", "0000000201")
	ctx := context.Background()
	prs := []string{"PlannedReparentShard", "--new-primary=us-east-1-0000000201", "--wait-replicas-timeout=15s", "--allow-cross-cell-promotion", "main/-80"}
	for _, tc := range []struct {
		name    string
		run     func(v *Vitess) error
		wantPod string
		want    [][]string
	}{
		{"seed", func(v *Vitess) error { return v.Seed(ctx, to, nil) }, "pod-to", [][]string{prs}},
		{"promote", func(v *Vitess) error { return v.Promote(ctx, to, []string{"x"}) }, "pod-to", [][]string{prs}},
		{"failover", func(v *Vitess) error {
			return v.Failover(ctx, Failover{To: to, From: &from})
		}, "pod-to", [][]string{{"EmergencyReparentShard", "--new-primary=us-east-1-0000000201", "--wait-replicas-timeout=15s",
			"--expected-primary=us-east-1-0000000100", "main/-80"}}},
		{"failover from an unknown primary", func(v *Vitess) error { return v.Failover(ctx, Failover{To: to}) }, "pod-to",
			[][]string{{"EmergencyReparentShard", "--new-primary=us-east-1-0000000201", "--wait-replicas-timeout=15s", "main/-80"}}},
		{"switchover", func(v *Vitess) error { return v.Switchover(ctx, from, to) }, "pod-to",
			[][]string{{"PlannedReparentShard", "--new-primary=us-east-1-0000000201", "--expected-primary=us-east-1-0000000100",
				"--wait-replicas-timeout=15s", "--allow-cross-cell-promotion", "main/-80"}}},
		{"follow re-points, then starts replication", func(v *Vitess) error { return v.Follow(ctx, from, []string{"p"}) }, "pod-from",
			[][]string{{"ReparentTablet", "us-east-1-0000000100"}, {"StartReplication", "us-east-1-0000000100"}}},
		{"stop", func(v *Vitess) error { return v.Stop(ctx, from) }, "pod-from", [][]string{{"StopReplication", "us-east-1-0000000100"}}},
		{"forget", func(v *Vitess) error { return v.Forget(ctx, from, []string{"us-east-1-0000000300"}) }, "pod-from",
			[][]string{{"DeleteTablets", "us-east-1-0000000300"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &vtExec{answer: shardRecordAnswer("us-east-1", 100)}
			require.NoError(t, tc.run(NewVitess(ex, vtSrv, "main", "-80")))
			require.Len(t, ex.calls, len(tc.want))
			for i, c := range ex.calls {
				assert.Equal(t, Target{Namespace: "ns", Pod: tc.wantPod, Container: "vttablet"}, c.target)
				require.GreaterOrEqual(t, len(c.argv), 3)
				assert.Equal(t, []string{"vtctldclient", "--server=" + vtSrv}, c.argv[:2])
				timeout, err := time.ParseDuration(strings.TrimPrefix(c.argv[2], "--action-timeout="))
				require.NoError(t, err, c.argv[2])
				assert.Greater(t, c.deadline, timeout, "the exec outlives vtctldclient's own timeout")
				assert.Equal(t, tc.want[i], c.argv[3:])
			}
		})
	}
}

// TestVitessFenceReadsWritabilityBack proves fencing runs through the
// tablet's own mysqld and succeeds only when read_only reads back on, also
// on MariaDB, which has no super_read_only.
func TestVitessFenceReadsWritabilityBack(t *testing.T) {
	m := vtMember("p", "0000000100")
	for _, tc := range []struct {
		name string
		res  Result
		err  error
		ok   bool
	}{
		{"MySQL", Result{Stdout: "1\n"}, nil, true},
		{"MariaDB: super_read_only unknown, read_only on", Result{Stdout: "1\n", ExitCode: 1,
			Stderr: "ERROR 1193 (HY000) at line 1: Unknown system variable 'super_read_only'"}, nil, true},
		{"still writable", Result{Stdout: "0\n"}, nil, false},
		{"mysqld down", Result{ExitCode: 1, Stderr: "ERROR 2002"}, nil, false},
		{"pod unreachable", Result{}, errors.New("connection refused"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &vtExec{answer: func(Target, []string) (Result, error) { return tc.res, tc.err }}
			err := NewVitess(ex, vtSrv, "main", "-80").Fence(context.Background(), m)
			assert.Equal(t, tc.ok, err == nil, "%v", err)
			c := ex.calls[0]
			assert.Equal(t, MysqldContainer, c.target.Container)
			assert.Equal(t, []string{"mysql", "--socket=/vt/vtdataroot/vt_0000000100/mysql.sock"}, c.argv[:2])
			assert.Contains(t, c.argv[len(c.argv)-1], "SET GLOBAL read_only = ON")
		})
	}
}

// TestVitessRemoveToleratesAMissingRecord proves a record deleted earlier
// (a retried removal) is not an error, and another failure is.
func TestVitessRemoveToleratesAMissingRecord(t *testing.T) {
	m := vtMember("p", "0000000100")
	ex := &vtExec{answer: func(Target, []string) (Result, error) {
		return Result{ExitCode: 1, Stderr: "rpc error: code = NotFound desc = node doesn't exist: /vitess/zone1/tablets/zone1-0000000100/Tablet"}, nil
	}}
	require.NoError(t, NewVitess(ex, vtSrv, "main", "-80").Forget(context.Background(), m, []string{m.ID}))
	ex = &vtExec{answer: func(Target, []string) (Result, error) {
		return Result{ExitCode: 1, Stderr: "FailedPrecondition: cannot delete tablet as it is a primary"}, nil
	}}
	var hook *HookError
	require.ErrorAs(t, NewVitess(ex, vtSrv, "main", "-80").Forget(context.Background(), m, []string{m.ID}), &hook)
}

// TestVtctldErrorIsStable proves two failures that differ only in their
// log header read the same.
func TestVtctldErrorIsStable(t *testing.T) {
	a := VtctldError("E1129 12:00:00.123456   42 main.go:63] rpc error: code = FailedPrecondition desc = primary zone1-0000000101 is not equal to expected alias zone1-0000000100\n")
	b := VtctldError("E1129 12:00:07.654321   77 main.go:63] rpc error: code = FailedPrecondition desc = primary zone1-0000000101 is not equal to expected alias zone1-0000000100\n")
	assert.Equal(t, a, b)
	assert.Equal(t, "FailedPrecondition: primary zone1-0000000101 is not equal to expected alias zone1-0000000100", a)
	v24 := VtctldError(`{"time":"2026-11-29T18:42:11.26659358Z","level":"ERROR","source":{"function":"main.main","file":"vitess.io/vitess@v0.24.0/go/cmd/vtctldclient/main.go","line":63},"msg":"Unknown: proposed primary zone1-0000000101 will not be able to make forward progress on being promoted"}` + "\n")
	assert.Equal(t, "Unknown: proposed primary zone1-0000000101 will not be able to make forward progress on being promoted", v24,
		"v24 logs the error as JSON; the time and source go")
}
