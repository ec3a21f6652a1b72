package controller

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Result is what one pass asks of the goroutine that ran it.
type Result struct {
	// Resync is when to run the next pass if no event comes first; zero means
	// the registry's default interval.
	Resync time.Duration
}

// Reconciler runs one pass for one object: observe, decide, act one step,
// record status. A pass must be safe to run at any time and as often as asked.
type Reconciler interface {
	Reconcile(ctx context.Context, key Key) (Result, error)
}

// Forgetter is a Reconciler that keeps state between passes of an object
// and must drop it once the object is deleted.
type Forgetter interface {
	Forget(key Key)
}

// PanicReporter is a Reconciler that records on the object itself that a
// pass of it panicked, so that its status says Degraded and why instead of
// the last state a pass reached.
type PanicReporter interface {
	ReportPanic(ctx context.Context, key Key, panicked string) error
}

// panicError is the error of a pass that panicked.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("pass panicked: %v\n%s", e.value, e.stack) }

// ReconcilerFunc adapts a function to a Reconciler.
type ReconcilerFunc func(ctx context.Context, key Key) (Result, error)

// Reconcile calls f.
func (f ReconcilerFunc) Reconcile(ctx context.Context, key Key) (Result, error) { return f(ctx, key) }

// Backoff bounds for a pass that failed.
const (
	minRetry = 200 * time.Millisecond
	maxRetry = 30 * time.Second
)

// worker is the goroutine of one object. Events reach it through notify,
// which holds at most one pending signal, so a burst of events becomes one pass.
type worker struct {
	key    Key
	rec    Reconciler
	notify chan struct{}
	cancel context.CancelFunc
	// removed is set when the object was deleted, as opposed to the
	// operator shutting down.
	removed atomic.Bool
	resync  time.Duration
	started <-chan struct{}
	metrics *Metrics
	log     *logrus.Entry
	// onConfirmed is called after a pass without error; confirmed, guarded
	// by the registry's lock, says the registry has counted this object.
	onConfirmed func()
	confirmed   bool
}

// wakeKey marks the context of a pass with its object's poke.
type wakeKey struct{}

// Waker returns what asks for another pass of the object whose pass ctx
// belongs to: for work a pass starts and a goroutine finishes (a backup),
// whose end is an event of the operator's own. Outside a pass it does
// nothing.
func Waker(ctx context.Context) func() {
	if f, ok := ctx.Value(wakeKey{}).(func()); ok {
		return f
	}
	return func() {}
}

// poke asks for a pass without blocking; a pass already pending absorbs it.
func (w *worker) poke() {
	select {
	case w.notify <- struct{}{}:
	default:
	}
}

// run loops until ctx ends: wait for the caches, then one pass per event,
// per resync tick, or per retry after a failure.
func (w *worker) run(ctx context.Context) {
	select {
	case <-w.started:
	case <-ctx.Done():
		return
	}
	// The first pass comes from a poke, which coalesces with the one of the
	// Ensure that started this goroutine into a single pass; the timer is
	// only the safety net.
	w.poke()
	timer := time.NewTimer(w.resync)
	defer timer.Stop()
	retry := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.notify:
		case <-timer.C:
		}
		// select picks at random among ready cases: a goroutine that was
		// stopped while a poke was pending must not run one more pass, which
		// could overlap the pass of a successor for the same object.
		if ctx.Err() != nil {
			return
		}
		res, err := w.pass(ctx)
		w.reportPanic(ctx, err)
		next := w.resync
		if res.Resync > 0 {
			next = res.Resync
		}
		if err != nil && ctx.Err() == nil {
			retry = min(max(2*retry, minRetry), maxRetry)
			next = min(next, retry)
			if apierrors.IsConflict(err) {
				// The lister's copy was older than the stored object; the
				// next pass reads the newer one. The one conflict policy of
				// the operator: back off and pass again, quietly.
				w.log.WithError(err).WithField("retry", retry).Debug("pass lost a write race")
			} else {
				w.log.WithError(err).WithField("retry", retry).Warn("pass failed")
			}
		} else {
			retry = 0
			if err == nil && w.onConfirmed != nil {
				w.onConfirmed()
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(next)
	}
}

// pass runs the reconciler once, turning a panic into an error so that one
// bad object cannot take the operator down.
func (w *worker) pass(ctx context.Context) (res Result, err error) {
	start := time.Now()
	ctx, cost := withPassCost(ctx)
	ctx = context.WithValue(ctx, wakeKey{}, w.poke)
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
		w.metrics.observePass(w.key.Kind, time.Since(start), cost, err)
	}()
	return w.rec.Reconcile(ctx, w.key)
}

// reportPanic has the object's status say that its pass panicked, when err
// is a panic and the reconciler can record it. Other objects' goroutines
// never notice: each runs its own passes.
func (w *worker) reportPanic(ctx context.Context, err error) {
	var p *panicError
	rp, ok := w.rec.(PanicReporter)
	if !ok || !errors.As(err, &p) || ctx.Err() != nil {
		return
	}
	if rerr := rp.ReportPanic(ctx, w.key, fmt.Sprint(p.value)); rerr != nil {
		w.log.WithError(rerr).Warn("recording the panic in status")
	}
}
