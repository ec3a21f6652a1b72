package controller

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

// panickyReconciler panics on every pass of one object, passes the others,
// and records what it is asked to report.
type panickyReconciler struct {
	bad      string
	mu       sync.Mutex
	passes   map[string]int
	reported map[string]string
}

func (r *panickyReconciler) Reconcile(_ context.Context, key Key) (Result, error) {
	r.mu.Lock()
	r.passes[key.Name]++
	r.mu.Unlock()
	if key.Name == r.bad {
		var ordinals []int
		_ = ordinals[len(key.Name)] // a real bug, not a deliberate panic(): a runtime error
	}
	return Result{}, nil
}

func (r *panickyReconciler) ReportPanic(_ context.Context, key Key, panicked string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reported[key.Name] = panicked
	return nil
}

// TestPanickingObjectIsReportedAndOthersCarryOn: a pass that panics is
// recovered, the object's reconciler is asked to record it with the panic's
// message (not its stack), and the other objects' passes go on as before.
func TestPanickingObjectIsReportedAndOthersCarryOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := &panickyReconciler{bad: "broken", passes: map[string]int{}, reported: map[string]string{}}
		started := make(chan struct{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := NewRegistry(ctx, map[Kind]Reconciler{KindVitessCell: rec}, time.Minute, started, nil, quietLogger())
		defer r.Shutdown()
		r.Ensure(Key{Kind: KindVitessCell, Namespace: "ns", Name: "broken"})
		r.Ensure(Key{Kind: KindVitessCell, Namespace: "ns", Name: "healthy"})
		close(started)
		synctest.Wait()

		// Three resync intervals: the healthy object keeps its passes, the
		// broken one is retried with backoff and never takes the other down.
		time.Sleep(3 * time.Minute)
		synctest.Wait()
		r.Ensure(Key{Kind: KindVitessCell, Namespace: "ns", Name: "healthy"})
		synctest.Wait()

		rec.mu.Lock()
		defer rec.mu.Unlock()
		assert.GreaterOrEqual(t, rec.passes["healthy"], 5, "the healthy object's passes stopped")
		assert.Greater(t, rec.passes["broken"], 2, "the panicking object is not retried")
		assert.Contains(t, rec.reported["broken"], "index out of range")
		assert.NotContains(t, rec.reported["broken"], "goroutine", "the stack belongs in the log, not in status")
		assert.NotContains(t, rec.reported, "healthy")
	})
}
