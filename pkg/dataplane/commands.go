package dataplane

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	clusterlabsv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
)

// DefaultHookTimeout bounds a hook whose command sets no timeout.
const DefaultHookTimeout = 30 * time.Second

// MinHookTimeout and MaxHookTimeout bound a hook's timeout, as the schema
// does; a set stored before it did is held to them here. Shorter takes a
// slow member for a failed one and stops it in a loop; longer holds up a
// failover as long.
const (
	MinHookTimeout = time.Second
	MaxHookTimeout = time.Hour
)

// hookTimeout is the timeout of one run of cmd.
func hookTimeout(cmd clusterlabsv1alpha1.Command) time.Duration {
	if cmd.Timeout == nil || cmd.Timeout.Duration <= 0 {
		return DefaultHookTimeout
	}
	return min(max(cmd.Timeout.Duration, MinHookTimeout), MaxHookTimeout)
}

// Exit codes of the RSS status hook.
const (
	StatusExitSecondary = 0
	StatusExitStopped   = 7
	StatusExitPrimary   = 8
)

// Commands is the driver of a ReplicatedStatefulSet: it runs the user's hook
// commands in the member's first container.
type Commands struct {
	exec Executor
	cmds clusterlabsv1alpha1.Commands
}

// NewCommands returns the commands driver for cmds.
func NewCommands(exec Executor, cmds clusterlabsv1alpha1.Commands) *Commands {
	return &Commands{exec: exec, cmds: cmds}
}

// run runs one hook with its timeout enforced by the context.
func (c *Commands) run(ctx context.Context, name string, cmd clusterlabsv1alpha1.Command, m Member, args []string) (Result, error) {
	timeout := hookTimeout(cmd)
	ctx, release, err := holdSlot(ctx, c.exec)
	if err != nil {
		return Result{}, fmt.Errorf("%s hook in %s: %w", name, m.Pod, err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	argv := append(append([]string{}, cmd.Command...), args...)
	res, err := c.exec.Exec(ctx, m.Target, argv)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return res, fmt.Errorf("%s hook in %s did not finish within %v: %w", name, m.Pod, timeout, err)
		}
		return res, fmt.Errorf("%s hook in %s: %w", name, m.Pod, err)
	}
	return res, nil
}

// start runs a start hook and fails unless it exits 0.
func (c *Commands) start(ctx context.Context, name string, cmd clusterlabsv1alpha1.Command, m Member, args []string) error {
	res, err := c.run(ctx, name, cmd, m, args)
	if err != nil {
		return err
	}
	if res.ExitCode != 0 {
		return &HookError{Hook: name, Member: m.Pod, ExitCode: res.ExitCode, Stderr: res.Stderr + res.Stdout}
	}
	return nil
}

// Position runs the sequence hook and parses what it prints as an unsigned integer.
func (c *Commands) Position(ctx context.Context, m Member) (Position, error) {
	res, err := c.run(ctx, "sequence", c.cmds.Sequence, m, nil)
	if err != nil {
		return nil, err
	}
	if res.ExitCode != 0 {
		return nil, &HookError{Hook: "sequence", Member: m.Pod, ExitCode: res.ExitCode, Stderr: res.Stderr + res.Stdout}
	}
	out := strings.TrimSpace(res.Stdout)
	n, err := strconv.ParseUint(out, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("sequence hook in %s printed %q, not an unsigned integer", m.Pod, safeOutput(out))
	}
	return Sequence(n), nil
}

// Status runs the status hook and maps its exit code: 0 running secondary,
// 7 stopped, 8 running primary, anything else (or no answer) failed.
func (c *Commands) Status(ctx context.Context, m Member) (State, string) {
	res, err := c.run(ctx, "status", c.cmds.Status, m, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return StateFailed, safeOutput(err.Error()) // it ran and hung: the member is unhealthy
	}
	if err != nil {
		return StateUnknown, safeOutput(err.Error())
	}
	switch res.ExitCode {
	case StatusExitSecondary:
		return StateSecondary, ""
	case StatusExitStopped:
		return StateStopped, ""
	case StatusExitPrimary:
		return StatePrimary, ""
	}
	return StateFailed, fmt.Sprintf("status hook exited %d: %s", res.ExitCode, safeOutput(strings.TrimSpace(res.Stderr+res.Stdout)))
}

// Seed runs the seed hook, or the primary hook when there is no seed hook.
func (c *Commands) Seed(ctx context.Context, m Member, primaries []string) error {
	if c.cmds.Seed != nil {
		return c.start(ctx, "seed", *c.cmds.Seed, m, primaries)
	}
	return c.start(ctx, "primary", c.cmds.Primary, m, primaries)
}

// Promote runs the primary hook.
func (c *Commands) Promote(ctx context.Context, m Member, primaries []string) error {
	return c.start(ctx, "primary", c.cmds.Primary, m, primaries)
}

// Follow runs the secondary hook, or the primary hook when there is none, as
// the original RSS operator did for sets where every member is a primary.
func (c *Commands) Follow(ctx context.Context, m Member, primaries []string) error {
	if c.cmds.Secondary != nil {
		return c.start(ctx, "secondary", *c.cmds.Secondary, m, primaries)
	}
	return c.start(ctx, "primary", c.cmds.Primary, m, primaries)
}

// Stop runs the stop hook.
func (c *Commands) Stop(ctx context.Context, m Member) error {
	return c.start(ctx, "stop", c.cmds.Stop, m, nil)
}
