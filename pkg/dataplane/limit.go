package dataplane

import (
	"context"
	"fmt"
)

// A limited executor bounds how many commands run in pods at once. Under a
// burst (hundreds of shards probed after a restart, or a node's worth of
// tablets failing together) unbounded execs slow every one of them down
// until they pass their timeouts, and a member whose probe timed out looks
// unreachable. The drivers therefore take a slot before their timeout
// starts (holdSlot): waiting for a slot is queueing in the operator, not
// silence from the member.
type limitedExecutor struct {
	next  Executor
	slots chan struct{}
}

// slotHeld marks a context whose command already holds a slot.
type slotHeld struct{}

// Limited returns an executor that runs at most n commands with e at once;
// n < 1 means no limit.
func Limited(e Executor, n int) Executor {
	if n < 1 {
		return e
	}
	return &limitedExecutor{next: e, slots: make(chan struct{}, n)}
}

// acquire waits for a slot until ctx ends.
func (l *limitedExecutor) acquire(ctx context.Context) (func(), error) {
	select {
	case l.slots <- struct{}{}:
		return func() { <-l.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for one of %d exec slots: %w", cap(l.slots), ctx.Err())
	}
}

// Exec runs argv in t in a slot: the caller's, when it holds one, or one
// it waits for here.
func (l *limitedExecutor) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	if ctx.Value(slotHeld{}) == nil {
		release, err := l.acquire(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("exec in %s: %w", t, err)
		}
		defer release()
	}
	return l.next.Exec(ctx, t, argv)
}

// holdSlot takes a slot of e, when e is limited, for a command about to be
// given its timeout; the returned context says so to e.Exec. Call release
// once the command is done.
func holdSlot(ctx context.Context, e Executor) (context.Context, func(), error) {
	l, ok := e.(*limitedExecutor)
	if !ok || ctx.Value(slotHeld{}) != nil {
		return ctx, func() {}, nil
	}
	release, err := l.acquire(ctx)
	if err != nil {
		return ctx, nil, err
	}
	return context.WithValue(ctx, slotHeld{}, true), release, nil
}

// OutsideSlots marks ctx for a command that waits on the data plane for a
// long time (a backup takes minutes to hours): it runs beside the limited
// commands instead of holding one of their slots for all that time. Its
// caller bounds how many such commands run at once.
func OutsideSlots(ctx context.Context) context.Context {
	return context.WithValue(ctx, slotHeld{}, true)
}
