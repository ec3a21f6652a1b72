package dataplane

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slowExec takes a second per command and records how many ran at once.
type slowExec struct {
	running, most atomic.Int32
}

func (e *slowExec) Exec(ctx context.Context, _ Target, _ []string) (Result, error) {
	n := e.running.Add(1)
	defer e.running.Add(-1)
	for {
		m := e.most.Load()
		if n <= m || e.most.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(time.Second):
		return Result{}, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// TestLimitedBoundsConcurrency proves that no more than n commands run at
// once, and that a driver's timeout starts only once its command holds a
// slot: ten commands of a second each, two at a time, with a timeout of
// 1.5 s each, all succeed.
func TestLimitedBoundsConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := &slowExec{}
		e := Limited(inner, 2)
		var wg sync.WaitGroup
		errs := make([]error, 10)
		for i := range errs {
			wg.Go(func() {
				ctx, release, err := holdSlot(context.Background(), e)
				if err != nil {
					errs[i] = err
					return
				}
				defer release()
				ctx, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
				defer cancel()
				_, errs[i] = e.Exec(ctx, Target{}, nil)
			})
		}
		wg.Wait()
		for i, err := range errs {
			assert.NoError(t, err, "command %d", i)
		}
		assert.Equal(t, int32(2), inner.most.Load())
	})
}

// TestLimitedWithoutHeldSlot proves that a caller that took no slot waits
// for one inside Exec, and gives up when its context ends first.
func TestLimitedWithoutHeldSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		inner := &slowExec{}
		e := Limited(inner, 1)
		done := make(chan error)
		go func() {
			_, err := e.Exec(context.Background(), Target{}, nil)
			done <- err
		}()
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := e.Exec(ctx, Target{Pod: "p"}, nil)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "exec slots")
		require.NoError(t, <-done)
		assert.Equal(t, int32(1), inner.most.Load())
	})
}

// TestLimitedZeroIsUnlimited proves that a limit below one adds nothing.
func TestLimitedZeroIsUnlimited(t *testing.T) {
	inner := &slowExec{}
	assert.Same(t, Executor(inner), Limited(inner, 0))
}
