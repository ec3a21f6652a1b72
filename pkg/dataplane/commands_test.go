package dataplane

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilexec "k8s.io/client-go/util/exec"

	clusterlabsv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
)

// call is one command the fake executor was asked to run.
type call struct {
	target   Target
	argv     []string
	deadline time.Time
	hasDL    bool
}

// fakeExec records every command and answers with a scripted result. When
// block is set it waits for the context to end and returns its error, as an
// exec of a hung command does.
type fakeExec struct {
	mu    sync.Mutex
	calls []call
	res   Result
	err   error
	block bool
}

func (f *fakeExec) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	dl, ok := ctx.Deadline()
	f.mu.Lock()
	f.calls = append(f.calls, call{target: t, argv: argv, deadline: dl, hasDL: ok})
	f.mu.Unlock()
	if f.block {
		select {
		case <-ctx.Done():
			return Result{}, ctx.Err()
		case <-time.After(10 * time.Second):
			return Result{}, errors.New("fake exec: context was never cancelled")
		}
	}
	return f.res, f.err
}

func (f *fakeExec) last(t *testing.T) call {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	require.NotEmpty(t, f.calls, "no command was run")
	return f.calls[len(f.calls)-1]
}

func cmd(argv ...string) clusterlabsv1alpha1.Command {
	return clusterlabsv1alpha1.Command{Command: argv}
}

func testCommands() clusterlabsv1alpha1.Commands {
	return clusterlabsv1alpha1.Commands{
		Sequence: cmd("/hooks/sequence"),
		Primary:  cmd("/hooks/primary", "--flag"),
		Status:   cmd("/hooks/status"),
		Stop:     cmd("/hooks/stop"),
	}
}

var member0 = Member{Target: Target{Namespace: "ns", Pod: "db-0", Container: "app"}, DNSName: "db-0.db.ns.svc"}

// TestPosition proves the sequence hook's output is parsed as an unsigned
// integer and that every other answer is an error naming the pod and what
// the hook printed.
func TestPosition(t *testing.T) {
	for _, tc := range []struct {
		name    string
		res     Result
		err     error
		want    Position
		errHas  []string
		hookErr bool
	}{
		{name: "trailing newline", res: Result{Stdout: "42\n"}, want: Sequence(42)},
		{name: "surrounding space", res: Result{Stdout: "  7 \r\n"}, want: Sequence(7)},
		{name: "max uint64", res: Result{Stdout: "18446744073709551615"}, want: Sequence(18446744073709551615)},
		{name: "not a number", res: Result{Stdout: "gtid:abc\n"}, errHas: []string{"db-0", `"gtid:abc"`}},
		{name: "negative", res: Result{Stdout: "-1\n"}, errHas: []string{"db-0", `"-1"`}},
		{name: "empty", res: Result{Stdout: ""}, errHas: []string{"db-0", `""`}},
		{name: "overflow", res: Result{Stdout: "18446744073709551616"}, errHas: []string{"db-0", "18446744073709551616"}},
		{name: "non-zero exit", res: Result{Stdout: "1", Stderr: "no datadir", ExitCode: 2}, errHas: []string{"db-0", "no datadir", "exited 2"}, hookErr: true},
		{name: "exec error", err: errors.New("connection refused"), errHas: []string{"db-0", "connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{res: tc.res, err: tc.err}
			pos, err := NewCommands(ex, testCommands()).Position(context.Background(), member0)
			assert.Equal(t, []string{"/hooks/sequence"}, ex.last(t).argv)
			assert.Equal(t, member0.Target, ex.last(t).target)
			if tc.errHas == nil {
				require.NoError(t, err)
				assert.Equal(t, tc.want, pos)
				return
			}
			require.Error(t, err)
			assert.Nil(t, pos)
			for _, s := range tc.errHas {
				assert.Contains(t, err.Error(), s)
			}
			var he *HookError
			assert.Equal(t, tc.hookErr, errors.As(err, &he))
		})
	}
}

// TestStatus proves the status hook's exit codes map onto states, that a
// hung hook is a failed member, and that a hook that could not run at all
// leaves the member unknown rather than failed, so the engine never fences a
// member on no evidence.
func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name      string
		res       Result
		err       error
		want      State
		detailHas string
	}{
		{name: "exit 0", res: Result{ExitCode: 0}, want: StateSecondary},
		{name: "exit 7", res: Result{ExitCode: 7}, want: StateStopped},
		{name: "exit 8", res: Result{ExitCode: 8}, want: StatePrimary},
		{name: "exit 1", res: Result{ExitCode: 1, Stderr: "mysqld crashed\n"}, want: StateFailed, detailHas: "mysqld crashed"},
		{name: "exit 3 names the code", res: Result{ExitCode: 3, Stderr: "x"}, want: StateFailed, detailHas: "exited 3"},
		{name: "exit 127", res: Result{ExitCode: 127, Stderr: "not found"}, want: StateFailed, detailHas: "not found"},
		{name: "deadline exceeded", err: context.DeadlineExceeded, want: StateFailed, detailHas: "did not finish"},
		{name: "wrapped deadline exceeded", err: fmt.Errorf("exec in x: %w", context.DeadlineExceeded), want: StateFailed, detailHas: "db-0"},
		{name: "forbidden", err: errors.New(`pods "db-0" is forbidden: cannot exec`), want: StateUnknown, detailHas: "forbidden"},
		{name: "connection refused", err: errors.New("dial tcp 10.0.0.1:10250: connect: connection refused"), want: StateUnknown, detailHas: "connection refused"},
		{name: "cancelled", err: context.Canceled, want: StateUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{res: tc.res, err: tc.err}
			st, detail := NewCommands(ex, testCommands()).Status(context.Background(), member0)
			assert.Equal(t, tc.want, st)
			assert.Contains(t, detail, tc.detailHas)
			assert.Equal(t, []string{"/hooks/status"}, ex.last(t).argv)
		})
	}
}

// TestHookTimeoutIsEnforcedThroughTheContext proves a hung hook is cut off
// after its own timeout and reported as a failed member.
func TestHookTimeoutIsEnforcedThroughTheContext(t *testing.T) {
	cmds := testCommands()
	cmds.Status.Timeout = &metav1.Duration{Duration: MinHookTimeout}
	cmds.Sequence.Timeout = &metav1.Duration{Duration: MinHookTimeout}
	ex := &fakeExec{block: true}
	c := NewCommands(ex, cmds)

	st, detail := c.Status(context.Background(), member0)
	assert.Equal(t, StateFailed, st)
	assert.Contains(t, detail, "did not finish within 1s")

	_, err := c.Position(context.Background(), member0)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "db-0")
}

// TestHookTimeoutIsBounded proves a timeout outside 1s..1h, from a set
// stored before the schema bounded it, is held to the bounds: 10ms would
// take every member for failed, 1000h would hold up a failover as long.
func TestHookTimeoutIsBounded(t *testing.T) {
	for _, tc := range []struct {
		set, want time.Duration
	}{
		{0, DefaultHookTimeout}, {10 * time.Millisecond, time.Second}, {time.Second, time.Second},
		{5 * time.Minute, 5 * time.Minute}, {time.Hour, time.Hour}, {1000 * time.Hour, time.Hour},
	} {
		cmd := clusterlabsv1alpha1.Command{Command: []string{"x"}}
		if tc.set != 0 {
			cmd.Timeout = &metav1.Duration{Duration: tc.set}
		}
		assert.Equal(t, tc.want, hookTimeout(cmd), "timeout %v", tc.set)
	}
}

// TestDefaultHookTimeout proves a hook without a timeout (or with a zero
// one) runs under DefaultHookTimeout, and that a set timeout is what the
// context carries, by reading the deadline instead of waiting for it.
func TestDefaultHookTimeout(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout *metav1.Duration
		want    time.Duration
	}{
		{"unset", nil, DefaultHookTimeout},
		{"zero", &metav1.Duration{}, DefaultHookTimeout},
		{"set", &metav1.Duration{Duration: 5 * time.Minute}, 5 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmds := testCommands()
			cmds.Stop.Timeout = tc.timeout
			ex := &fakeExec{}
			before := time.Now()
			require.NoError(t, NewCommands(ex, cmds).Stop(context.Background(), member0))
			after := time.Now()
			c := ex.last(t)
			require.True(t, c.hasDL, "the hook ran without a deadline")
			assert.False(t, c.deadline.Before(before.Add(tc.want)), "deadline %v too early", c.deadline)
			assert.False(t, c.deadline.After(after.Add(tc.want)), "deadline %v too late", c.deadline)
		})
	}
}

// TestStartHooks proves which command each start hook runs, that the
// primaries' DNS names follow the command as arguments, that Stop gets none,
// and that a non-zero exit is a *HookError carrying the code and output.
func TestStartHooks(t *testing.T) {
	seedCmd, secCmd := cmd("/hooks/seed"), cmd("/hooks/secondary", "-v")
	withAll := testCommands()
	withAll.Seed, withAll.Secondary = &seedCmd, &secCmd
	prims := []string{"db-1.db.ns.svc", "db-2.db.ns.svc"}
	type hook func(c *Commands) error
	seed := func(c *Commands) error { return c.Seed(context.Background(), member0, prims) }
	promote := func(c *Commands) error { return c.Promote(context.Background(), member0, prims) }
	follow := func(c *Commands) error { return c.Follow(context.Background(), member0, prims) }
	stop := func(c *Commands) error { return c.Stop(context.Background(), member0) }
	for _, tc := range []struct {
		name string
		cmds clusterlabsv1alpha1.Commands
		run  hook
		hook string
		want []string
	}{
		{"seed uses the seed command", withAll, seed, "seed", []string{"/hooks/seed", prims[0], prims[1]}},
		{"seed falls back to primary", testCommands(), seed, "primary", []string{"/hooks/primary", "--flag", prims[0], prims[1]}},
		{"promote runs primary", withAll, promote, "primary", []string{"/hooks/primary", "--flag", prims[0], prims[1]}},
		{"follow uses secondary", withAll, follow, "secondary", []string{"/hooks/secondary", "-v", prims[0], prims[1]}},
		{"follow falls back to primary", testCommands(), follow, "primary", []string{"/hooks/primary", "--flag", prims[0], prims[1]}},
		{"stop gets no arguments", withAll, stop, "stop", []string{"/hooks/stop"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{}
			require.NoError(t, tc.run(NewCommands(ex, tc.cmds)))
			assert.Equal(t, tc.want, ex.last(t).argv)
			assert.Equal(t, member0.Target, ex.last(t).target)

			ex = &fakeExec{res: Result{ExitCode: 5, Stderr: "replica not caught up"}}
			err := tc.run(NewCommands(ex, tc.cmds))
			var he *HookError
			require.ErrorAs(t, err, &he)
			assert.Equal(t, 5, he.ExitCode)
			assert.Equal(t, tc.hook, he.Hook)
			assert.Equal(t, "db-0", he.Member)
			assert.Contains(t, he.Stderr, "replica not caught up")
			assert.Contains(t, err.Error(), "exited 5")

			ex = &fakeExec{err: errors.New("connection refused")}
			err = tc.run(NewCommands(ex, tc.cmds))
			require.Error(t, err)
			assert.False(t, errors.As(err, &he), "an exec error is not a hook that ran")
		})
	}
	// The caller's slice of primaries must not be written through.
	cmds := testCommands()
	cmds.Primary = clusterlabsv1alpha1.Command{Command: make([]string, 1, 8)}
	cmds.Primary.Command[0] = "/p"
	ex := &fakeExec{}
	c := NewCommands(ex, cmds)
	require.NoError(t, c.Promote(context.Background(), member0, []string{"a"}))
	require.NoError(t, c.Promote(context.Background(), member0, []string{"b"}))
	assert.Equal(t, []string{"/p"}, cmds.Primary.Command[:1])
	assert.Equal(t, []string{"/p", "a"}, ex.calls[0].argv, "a later call rewrote an earlier argv")
}

// TestExitCode proves exit codes are read from structured exec errors and
// from "exit status N" messages, through wrapping, and nowhere else.
func TestExitCode(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code int
		ok   bool
	}{
		{"structured", utilexec.CodeExitError{Err: errors.New("terminated"), Code: 3}, 3, true},
		{"structured zero", utilexec.CodeExitError{Err: errors.New("x"), Code: 0}, 0, true},
		{"structured pointer wrapped", fmt.Errorf("exec: %w", &utilexec.CodeExitError{Err: errors.New("x"), Code: 9}), 9, true},
		{"structured wrapped", fmt.Errorf("exec: %w", utilexec.CodeExitError{Err: errors.New("x"), Code: 126}), 126, true},
		{"message", errors.New("command terminated with non-zero exit code: error executing command [sh -c exit 7], exit status 7"), 7, true},
		{"message wrapped", fmt.Errorf("exec in ns/p/c: %w", errors.New("exit status 42")), 42, true},
		{"message joined", errors.Join(errors.New("stream closed"), errors.New("exit status 1")), 1, true},
		{"message with leading zeros", errors.New("exit status 007"), 7, true},
		{"unrelated", errors.New("connection refused"), 0, false},
		{"deadline", context.DeadlineExceeded, 0, false},
		{"status without number", errors.New("exit status unknown"), 0, false},
		{"overflowing number", errors.New("exit status 99999999999999999999999"), 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ok := ExitCode(tc.err)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.code, code)
		})
	}
}

type otherPosition struct{}

func (otherPosition) Compare(Position) (int, bool) { return 0, false }
func (otherPosition) String() string               { return "other" }

// TestSequenceCompare proves sequences order numerically and never compare
// with positions of another kind.
func TestSequenceCompare(t *testing.T) {
	for _, tc := range []struct {
		a     Sequence
		b     Position
		cmp   int
		ok    bool
		label string
	}{
		{1, Sequence(2), -1, true, "less"},
		{2, Sequence(1), 1, true, "greater"},
		{5, Sequence(5), 0, true, "equal"},
		{0, Sequence(18446744073709551615), -1, true, "extremes"},
		{10, Sequence(9), 1, true, "numeric not lexical"},
		{1, otherPosition{}, 0, false, "other kind"},
		{1, nil, 0, false, "nil"},
	} {
		t.Run(tc.label, func(t *testing.T) {
			cmp, ok := tc.a.Compare(tc.b)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.cmp, cmp)
		})
	}
	assert.Equal(t, "18446744073709551615", Sequence(18446744073709551615).String())
}

// FuzzExitCode proves ExitCode never panics on any error message, bare or
// wrapped, and never reports a negative code.
func FuzzExitCode(f *testing.F) {
	for _, s := range []string{"", "exit status 7", "exit status -1", "exit status 99999999999999999999", "exit status 0x1", "command terminated: exit status 255\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		for _, err := range []error{errors.New(msg), fmt.Errorf("exec: %w", errors.New(msg))} {
			if code, ok := ExitCode(err); ok {
				if code < 0 {
					t.Fatalf("ExitCode(%q) = %d", msg, code)
				}
				if !strings.Contains(msg, "exit status ") {
					t.Fatalf("ExitCode(%q) = %d, but the message names no exit status", msg, code)
				}
			}
		}
	})
}

// FuzzPositionParse proves Position never panics on any hook output and
// succeeds exactly when the trimmed output is an unsigned decimal integer.
func FuzzPositionParse(f *testing.F) {
	for _, s := range []string{"42\n", "", "-1", "+1", " 0 ", "1e3", "18446744073709551616", "\x00", "0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, stdout string) {
		ex := &fakeExec{res: Result{Stdout: stdout}}
		pos, err := NewCommands(ex, testCommands()).Position(context.Background(), member0)
		want, parseErr := strconv.ParseUint(strings.TrimSpace(stdout), 10, 64)
		if (err == nil) != (parseErr == nil) {
			t.Fatalf("Position(%q) err = %v, ParseUint err = %v", stdout, err, parseErr)
		}
		if err == nil && pos != Sequence(want) {
			t.Fatalf("Position(%q) = %v, want %d", stdout, pos, want)
		}
		if err != nil && !strings.Contains(err.Error(), "db-0") {
			t.Fatalf("error %q does not name the pod", err)
		}
	})
}
