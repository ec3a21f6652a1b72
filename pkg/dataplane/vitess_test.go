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
	vtUUID2 = "8e8f7b52-4b2a-11ee-a0d1-0242ac120002"
	vtSrv   = "vitess-vtctld.ns.svc:15999"
)

// vtCall is one command the Vitess driver ran.
type vtCall struct {
	target   Target
	argv     []string
	deadline bool
}

// vtExec records the commands it is asked to run and answers each with res
// and err.
type vtExec struct {
	mu    sync.Mutex
	calls []vtCall
	res   Result
	err   error
}

func (e *vtExec) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, dl := ctx.Deadline()
	e.calls = append(e.calls, vtCall{target: t, argv: append([]string(nil), argv...), deadline: dl})
	return e.res, e.err
}

// only returns the one command that ran.
func (e *vtExec) only(t *testing.T) vtCall {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	require.Len(t, e.calls, 1)
	return e.calls[0]
}

// vtMember is a tablet of pod p in cell us-east-1 (a cell with dashes).
func vtMember(p string, uid string) Member {
	return Member{Target: Target{Namespace: "ns", Pod: p, Container: "whatever"}, DNSName: "us-east-1-" + uid, ID: "us-east-1-" + uid}
}

// TestVitessStatus proves how mysqld's answer maps to a state: writable is a
// primary, read-only and replicating a secondary, read-only and idle
// stopped; a mysql that exits non-zero, prints what cannot be read, or runs
// out of time is failed, and one that cannot be run at all is unknown.
func TestVitessStatus(t *testing.T) {
	gtid := vtUUID1 + ":1-5"
	for _, tc := range []struct {
		name       string
		res        Result
		err        error
		want       State
		detailHas  []string
		wantDetail bool
	}{
		{name: "primary", res: Result{Stdout: "0\t" + gtid + "\t0\n"}, want: StatePrimary},
		{name: "primary still replicating", res: Result{Stdout: "0\t" + gtid + "\t1\n"}, want: StatePrimary},
		{name: "secondary", res: Result{Stdout: "1\t" + gtid + "\t1\n"}, want: StateSecondary},
		{name: "stopped, empty set", res: Result{Stdout: "1\t\t0\n"}, want: StateStopped},
		{name: "mysql exits non-zero", res: Result{Stderr: "ERROR 2002 (HY000): Can't connect", ExitCode: 1},
			want: StateFailed, detailHas: []string{"mysql", "us-east-1-0000000100", "Can't connect"}},
		{name: "garbage", res: Result{Stdout: "hello\n"}, want: StateFailed, detailHas: []string{"tablet us-east-1-0000000100", "hello"}},
		{name: "bad GTID set", res: Result{Stdout: "1\tnot-a-gtid\t1\n"}, want: StateFailed,
			detailHas: []string{"tablet us-east-1-0000000100", "gtid_executed", "not-a-gtid"}},
		{name: "transport error", err: errors.New("exec in ns/p/mysqld: connection refused"), want: StateUnknown,
			detailHas: []string{"connection refused"}},
		{name: "deadline", err: fmt.Errorf("exec in ns/p/mysqld: %w", context.DeadlineExceeded), want: StateFailed,
			detailHas: []string{"deadline"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &vtExec{res: tc.res, err: tc.err}
			v := NewVitess(ex, vtSrv, "main", "-80")
			state, detail := v.Status(context.Background(), vtMember("p", "0000000100"))
			assert.Equal(t, tc.want, state)
			if tc.detailHas == nil {
				assert.Empty(t, detail)
			}
			for _, s := range tc.detailHas {
				assert.Contains(t, detail, s)
			}
		})
	}
}

// TestVitessMysqlCommandLine proves mysql runs in the tablet's mysqld
// container, under a deadline, through the socket of the tablet's data
// directory, whose name is the alias's zero-padded UID.
func TestVitessMysqlCommandLine(t *testing.T) {
	for _, tc := range []struct {
		id, wantSocket string
	}{
		{"zone1-0123456700", "--socket=/vt/vtdataroot/vt_0123456700/mysql.sock"},
		{"us-east-1-0000000100", "--socket=/vt/vtdataroot/vt_0000000100/mysql.sock"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			ex := &vtExec{res: Result{Stdout: "1\t\t1\n"}}
			m := Member{Target: Target{Namespace: "ns", Pod: "pod-a", Container: VttabletContainer}, ID: tc.id}
			_, err := NewVitess(ex, vtSrv, "main", "-80").Position(context.Background(), m)
			require.NoError(t, err)
			c := ex.only(t)
			assert.Equal(t, Target{Namespace: "ns", Pod: "pod-a", Container: "mysqld"}, c.target)
			assert.True(t, c.deadline, "mysql runs under a deadline")
			require.NotEmpty(t, c.argv)
			assert.Equal(t, "mysql", c.argv[0])
			assert.Contains(t, c.argv, tc.wantSocket)
			assert.Contains(t, c.argv, "--batch")
			assert.Contains(t, c.argv, "--skip-column-names")
			assert.Contains(t, c.argv, "--execute="+statusQuery)
			assert.Equal(t, MysqlArgs(tc.id[strings.LastIndex(tc.id, "-")+1:], statusQuery), c.argv)
		})
	}
}

// TestVitessPosition proves the position is gtid_executed, read from mysql
// --batch output, where the newlines MySQL puts between the elements of a
// GTID set arrive escaped as a backslash and n.
func TestVitessPosition(t *testing.T) {
	for _, tc := range []struct {
		name, stdout, want string
	}{
		{"one source", "1\t" + vtUUID1 + ":1-5\t1\n", vtUUID1 + ":1-5"},
		{"escaped newline", "1\t" + vtUUID2 + ":1-3,\\n" + vtUUID1 + ":1-5\t1\n", vtUUID1 + ":1-5," + vtUUID2 + ":1-3"},
		{"several escaped newlines", "0\t" + vtUUID1 + ":1-2,\\n" + vtUUID2 + ":7,\\n" + vtUUID1 + ":3-9\t0\n", vtUUID1 + ":1-9," + vtUUID2 + ":7"},
		{"empty", "1\t\t0\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &vtExec{res: Result{Stdout: tc.stdout}}
			pos, err := NewVitess(ex, vtSrv, "main", "-80").Position(context.Background(), vtMember("p", "0000000100"))
			require.NoError(t, err)
			assert.Equal(t, tc.want, pos.String())
		})
	}
	ex := &vtExec{res: Result{Stdout: "1\t" + vtUUID1 + ":1-5"}}
	_, err := NewVitess(ex, vtSrv, "main", "-80").Position(context.Background(), vtMember("p", "0000000100"))
	var outErr *OutputError
	require.ErrorAs(t, err, &outErr, "a line with two fields is refused")
	assert.Equal(t, "us-east-1-0000000100", outErr.Member)
}

// TestVitessReparentCommands proves each hook is the vtctldclient command
// Vitess needs for it, run from the acting tablet's vttablet container,
// under a deadline, with --server first.
func TestVitessReparentCommands(t *testing.T) {
	from, to := vtMember("pod-from", "0000000100"), vtMember("pod-to", "0000000201")
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		run     func(v *Vitess) error
		wantPod string
		want    []string
	}{
		{"seed", func(v *Vitess) error { return v.Seed(ctx, to, nil) }, "pod-to",
			[]string{"PlannedReparentShard", "--new-primary=us-east-1-0000000201", "--allow-cross-cell-promotion", "main/-80"}},
		{"promote", func(v *Vitess) error { return v.Promote(ctx, to, []string{"x"}) }, "pod-to",
			[]string{"PlannedReparentShard", "--new-primary=us-east-1-0000000201", "--allow-cross-cell-promotion", "main/-80"}},
		{"failover", func(v *Vitess) error { return v.Failover(ctx, to, nil) }, "pod-to",
			[]string{"EmergencyReparentShard", "--new-primary=us-east-1-0000000201", "main/-80"}},
		{"switchover", func(v *Vitess) error { return v.Switchover(ctx, from, to) }, "pod-to",
			[]string{"PlannedReparentShard", "--new-primary=us-east-1-0000000201", "--expected-primary=us-east-1-0000000100",
				"--allow-cross-cell-promotion", "main/-80"}},
		{"follow", func(v *Vitess) error { return v.Follow(ctx, from, []string{"p"}) }, "pod-from",
			[]string{"StartReplication", "us-east-1-0000000100"}},
		{"stop", func(v *Vitess) error { return v.Stop(ctx, from) }, "pod-from",
			[]string{"StopReplication", "us-east-1-0000000100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &vtExec{}
			require.NoError(t, tc.run(NewVitess(ex, vtSrv, "main", "-80")))
			c := ex.only(t)
			assert.Equal(t, Target{Namespace: "ns", Pod: tc.wantPod, Container: "vttablet"}, c.target)
			assert.True(t, c.deadline, "vtctldclient runs under a deadline")
			assert.Equal(t, append([]string{"vtctldclient", "--server=" + vtSrv}, tc.want...), c.argv)
		})
	}
}

// TestVitessVtctldFailure proves a vtctldclient command that exits non-zero
// is a *HookError carrying what it printed, and one that cannot run is an
// error naming the command and the tablet, wrapping the cause.
func TestVitessVtctldFailure(t *testing.T) {
	m := vtMember("p", "0000000100")
	ex := &vtExec{res: Result{ExitCode: 2, Stderr: "rpc error: primary is not reachable\n"}}
	err := NewVitess(ex, vtSrv, "main", "-80").Failover(context.Background(), m, nil)
	var hookErr *HookError
	require.ErrorAs(t, err, &hookErr)
	assert.Equal(t, 2, hookErr.ExitCode)
	assert.Equal(t, "us-east-1-0000000100", hookErr.Member)
	assert.Contains(t, hookErr.Stderr, "primary is not reachable")
	assert.Contains(t, hookErr.Hook, "EmergencyReparentShard")

	cause := errors.New("connection refused")
	ex = &vtExec{err: cause}
	err = NewVitess(ex, vtSrv, "main", "-80").Stop(context.Background(), m)
	require.ErrorIs(t, err, cause)
	assert.False(t, errors.As(err, &hookErr))
	assert.Contains(t, err.Error(), "StopReplication")
	assert.Contains(t, err.Error(), "us-east-1-0000000100")
}

// TestVitessCommandTimeout proves every command gets at most vitessTimeout,
// and less when the caller's context ends sooner.
func TestVitessCommandTimeout(t *testing.T) {
	var got []time.Duration
	ex := execFunc(func(ctx context.Context, _ Target, _ []string) (Result, error) {
		dl, ok := ctx.Deadline()
		require.True(t, ok)
		got = append(got, time.Until(dl))
		return Result{}, nil
	})
	v := NewVitess(ex, vtSrv, "main", "-80")
	m := vtMember("p", "0000000100")
	require.NoError(t, v.Follow(context.Background(), m, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, v.Follow(ctx, m, nil))
	require.Len(t, got, 2)
	assert.InDelta(t, vitessTimeout.Seconds(), got[0].Seconds(), 1)
	assert.LessOrEqual(t, got[1], 5*time.Second)
}

// execFunc is an Executor made of a function.
type execFunc func(ctx context.Context, t Target, argv []string) (Result, error)

func (f execFunc) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	return f(ctx, t, argv)
}

// TestVitessStatusRefusesUnreadableFlags proves a line with three fields
// whose read_only or replication count is not a number is failed, not read
// as a state: only "0" and "1" (and counts) mean anything.
func TestVitessStatusRefusesUnreadableFlags(t *testing.T) {
	for _, out := range []string{"NULL\t\tNULL\n", "yes\t" + vtUUID1 + ":1-5\tno\n", "1\t" + vtUUID1 + ":1-5\t\n"} {
		ex := &vtExec{res: Result{Stdout: out}}
		state, detail := NewVitess(ex, vtSrv, "main", "-80").Status(context.Background(), vtMember("p", "0000000100"))
		assert.Equal(t, StateFailed, state, "%q", out)
		assert.Contains(t, detail, "us-east-1-0000000100", "%q", out)
	}
}
