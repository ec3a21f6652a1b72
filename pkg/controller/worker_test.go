package controller

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeGuard bounds every wait in the tests of this package that run goroutines.
// They run in synctest bubbles, whose clock is fake and jumps ahead whenever
// every goroutine is blocked, so the guard costs no real time and fires only
// when the awaited event can no longer happen.
const fakeGuard = 24 * time.Hour

// await receives one value from ch, failing the test when none comes in time.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(fakeGuard):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

// quietLogger is a logger that discards what it is given.
func quietLogger() *logrus.Logger {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return log
}

// newTestWorker returns a worker that nothing has poked, so once started is
// closed its zero timer is its only reason for a first pass.
func newTestWorker(rec Reconciler, resync time.Duration, started <-chan struct{}, m *Metrics, log *logrus.Logger) *worker {
	key := Key{Kind: KindVitessCell, Namespace: "ns", Name: "zone1"}
	return &worker{
		key:     key,
		rec:     rec,
		notify:  make(chan struct{}, 1),
		resync:  resync,
		started: started,
		metrics: m,
		log:     log.WithField("object", key.String()),
	}
}

// runWorker runs w until the returned stop function is called; stop waits
// for the goroutine to end.
func runWorker(w *worker) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.run(ctx)
	}()
	return func() {
		cancel()
		<-done
	}
}

// outcome is what one scripted pass returns.
type outcome struct {
	res Result
	err error
}

// script is a Reconciler that returns its outcomes in turn (the last one
// forever after) and sends the start time of every pass on passed.
type script struct {
	mu       sync.Mutex
	outcomes []outcome
	n        int
	passed   chan time.Time
}

// newScript returns a script of the given outcomes.
func newScript(outcomes ...outcome) *script {
	return &script{outcomes: outcomes, passed: make(chan time.Time, 64)}
}

func (s *script) Reconcile(context.Context, Key) (Result, error) {
	s.mu.Lock()
	o := s.outcomes[min(s.n, len(s.outcomes)-1)]
	s.n++
	s.mu.Unlock()
	s.passed <- time.Now()
	return o.res, o.err
}

// gaps waits for n passes of s and returns the time between each two.
func (s *script) gaps(t *testing.T, n int) []time.Duration {
	t.Helper()
	var out []time.Duration
	prev := await(t, s.passed, "pass 1")
	for i := 2; i <= n; i++ {
		next := await(t, s.passed, "a later pass")
		out = append(out, next.Sub(prev))
		prev = next
	}
	return out
}

var errPass = errors.New("pass failed on purpose")

// newTestMetrics returns metrics registered with a registry of their own.
func newTestMetrics(t *testing.T) (*Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	require.NoError(t, err)
	return m, reg
}

// metricValue is the value of the counter or gauge name{kind="kind"} in reg,
// or 0 when there is none.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, kind Kind) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "kind" && l.GetValue() == string(kind) {
					if c := m.GetCounter(); c != nil {
						return c.GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return 0
}

// TestWorkerWaitsForStarted proves that a worker runs no pass, whatever it
// is poked with and however long it waits, before started is closed, and
// that its first pass follows the close with no delay.
func TestWorkerWaitsForStarted(t *testing.T) {
	for _, pokes := range []int{0, 1, 5} {
		t.Run(fmt.Sprintf("%d pokes", pokes), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				started := make(chan struct{})
				var passes atomic.Int32
				var early atomic.Bool
				firstPass := make(chan time.Time, 8)
				w := newTestWorker(ReconcilerFunc(func(context.Context, Key) (Result, error) {
					select {
					case <-started:
					default:
						early.Store(true)
					}
					passes.Add(1)
					firstPass <- time.Now()
					return Result{}, nil
				}), time.Minute, started, nil, quietLogger())
				stop := runWorker(w)
				defer stop()

				for range pokes {
					w.poke()
				}
				// A bounded wait is the only way to show that nothing happens; in
				// the bubble it costs no real time.
				<-time.After(time.Hour)
				synctest.Wait()
				require.Zero(t, passes.Load(), "pass ran before started was closed (pokes=%d)", pokes)

				closedAt := time.Now()
				close(started)
				first := await(t, firstPass, "first pass")
				assert.Zero(t, first.Sub(closedAt), "first pass must run as soon as started closes")
				synctest.Wait()
				assert.False(t, early.Load())
				if pokes == 0 {
					assert.Equal(t, int32(1), passes.Load(), "only the zero timer may give a pass")
				} else {
					// The zero timer and the one pending poke can each give a pass.
					assert.LessOrEqual(t, passes.Load(), int32(2), "pokes before start must coalesce")
				}
			})
		})
	}
}

// TestWorkerBackoff proves that a failing pass is retried after 200ms,
// doubling to a cap of 30s, long before the 1h resync; that a success resets
// the backoff; and that a Result.Resync shorter than the backoff wins.
func TestWorkerBackoff(t *testing.T) {
	const resync = time.Hour
	fail := outcome{err: errPass}
	ms := time.Millisecond
	tests := []struct {
		name     string
		outcomes []outcome
		want     []time.Duration
	}{
		{
			name:     "doubles from 200ms",
			outcomes: []outcome{fail, fail, fail, fail, fail},
			want:     []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms},
		},
		{
			name:     "capped at 30s",
			outcomes: []outcome{fail, fail, fail, fail, fail, fail, fail, fail, fail, fail, fail},
			want: []time.Duration{200 * ms, 400 * ms, 800 * ms, 1600 * ms, 3200 * ms,
				6400 * ms, 12800 * ms, 25600 * ms, 30 * time.Second, 30 * time.Second},
		},
		{
			name:     "success resets the backoff",
			outcomes: []outcome{fail, fail, {}, fail, {}},
			want:     []time.Duration{200 * ms, 400 * ms, resync, 200 * ms},
		},
		{
			name:     "shorter Result.Resync beats the backoff",
			outcomes: []outcome{{res: Result{Resync: 50 * ms}, err: errPass}},
			want:     []time.Duration{50 * ms, 50 * ms, 50 * ms},
		},
		{
			name:     "backoff beats a longer Result.Resync",
			outcomes: []outcome{{res: Result{Resync: 10 * time.Second}, err: errPass}},
			want:     []time.Duration{200 * ms, 400 * ms, 800 * ms},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				started := make(chan struct{})
				close(started)
				s := newScript(tc.outcomes...)
				stop := runWorker(newTestWorker(s, resync, started, nil, quietLogger()))
				defer stop()
				assert.Equal(t, tc.want, s.gaps(t, len(tc.want)+1))
			})
		})
	}
}

// TestWorkerResync proves that a pass with no event runs after Result.Resync
// when set, shorter or longer than the default, and after the default otherwise.
func TestWorkerResync(t *testing.T) {
	tests := []struct {
		name          string
		defaultResync time.Duration
		result        time.Duration
		want          time.Duration
	}{
		{"result shorter than default", time.Hour, 20 * time.Millisecond, 20 * time.Millisecond},
		{"zero result means default", 50 * time.Millisecond, 0, 50 * time.Millisecond},
		{"result longer than default", 50 * time.Millisecond, 10 * time.Minute, 10 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				started := make(chan struct{})
				close(started)
				s := newScript(outcome{res: Result{Resync: tc.result}})
				stop := runWorker(newTestWorker(s, tc.defaultResync, started, nil, quietLogger()))
				defer stop()
				assert.Equal(t, []time.Duration{tc.want, tc.want, tc.want}, s.gaps(t, 4))
			})
		})
	}
}

// TestWorkerRecoversPanic proves that a panicking pass neither kills the
// goroutine nor the test: it is logged and counted as a failed pass, retried
// after the first backoff step, and later pokes still get passes.
func TestWorkerRecoversPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, reg := newTestMetrics(t)
		log, hook := logtest.NewNullLogger()
		started := make(chan struct{})
		close(started)
		passed := make(chan time.Time, 8)
		var passes atomic.Int32
		w := newTestWorker(ReconcilerFunc(func(context.Context, Key) (Result, error) {
			passed <- time.Now()
			if passes.Add(1) == 1 {
				panic("boom")
			}
			return Result{}, nil
		}), time.Hour, started, m, log)
		stop := runWorker(w)
		defer stop()

		first := await(t, passed, "panicking pass")
		retry := await(t, passed, "retry after the panic")
		assert.Equal(t, minRetry, retry.Sub(first))
		synctest.Wait()
		assert.Equal(t, 1.0, metricValue(t, reg, "vitess_operator_reconcile_errors_total", KindVitessCell))

		var logged bool
		for _, e := range hook.AllEntries() {
			if err, ok := e.Data[logrus.ErrorKey].(error); ok && e.Level == logrus.WarnLevel &&
				strings.Contains(err.Error(), "pass panicked: boom") {
				logged = true
			}
		}
		assert.True(t, logged, "the panic must be logged as a failed pass")

		w.poke()
		await(t, passed, "pass after a poke")
		synctest.Wait()
		assert.Equal(t, int32(3), passes.Load())
		assert.Equal(t, 1.0, metricValue(t, reg, "vitess_operator_reconcile_errors_total", KindVitessCell))
	})
}

// TestWorkerNoPassAfterCancel shows that a worker whose context is cancelled
// during a pass, with an event pending, must not start another pass.
func TestWorkerNoPassAfterCancel(t *testing.T) {
	for range 64 {
		synctest.Test(t, func(t *testing.T) {
			started := make(chan struct{})
			close(started)
			entered, release := make(chan struct{}), make(chan struct{})
			var passes atomic.Int32
			var late atomic.Bool
			w := newTestWorker(ReconcilerFunc(func(ctx context.Context, _ Key) (Result, error) {
				if passes.Add(1) == 1 {
					close(entered)
					<-release
					return Result{}, nil
				}
				late.Store(ctx.Err() != nil)
				return Result{}, nil
			}), time.Hour, started, nil, quietLogger())
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				w.run(ctx)
			}()
			await(t, entered, "first pass")
			w.poke()
			cancel()
			close(release)
			await(t, done, "worker exit")
			require.False(t, late.Load(), "a pass started after the context was cancelled")
		})
	}
}
