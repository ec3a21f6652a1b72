package controller

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counter is a Reconciler that counts the passes of each key.
type counter struct {
	mu sync.Mutex
	n  map[Key]int
}

func newCounter() *counter { return &counter{n: map[Key]int{}} }

func (c *counter) Reconcile(_ context.Context, key Key) (Result, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[key]++
	return Result{}, nil
}

// count is the number of passes key has had.
func (c *counter) count(key Key) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

// total is the number of passes of every key together.
func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

// closedChan returns a channel that is already closed.
func closedChan() chan struct{} {
	ch := make(chan struct{})
	close(ch)
	return ch
}

var (
	cellKey = Key{Kind: KindVitessCell, Namespace: "ns", Name: "zone1"}
	rssKey  = Key{Kind: KindReplicatedStatefulSet, Namespace: "ns", Name: "db"}
)

// TestRegistryWaitsForStarted proves that goroutines started before the
// caches sync run no pass until started is closed, and each runs one at once
// when it is.
func TestRegistryWaitsForStarted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCounter()
		started := make(chan struct{})
		r := NewRegistry(context.Background(), map[Kind]Reconciler{KindVitessCell: c, KindReplicatedStatefulSet: c},
			time.Hour, started, nil, quietLogger())
		defer r.Shutdown()
		keys := []Key{cellKey, rssKey, {Kind: KindVitessCell, Namespace: "ns", Name: "zone2"}}
		for _, k := range keys {
			r.Ensure(k)
			r.Notify(k)
		}
		synctest.Wait()
		require.Zero(t, c.total(), "no pass may run before started is closed")

		close(started)
		synctest.Wait() // no fake time passes: the first passes run at once
		for _, k := range keys {
			assert.GreaterOrEqual(t, c.count(k), 1, "no first pass for %s", k)
		}
	})
}

// TestRegistryCoalescesNotifyBurst proves that any number of Notify calls
// made while a pass runs give at most one more pass.
func TestRegistryCoalescesNotifyBurst(t *testing.T) {
	tests := []struct {
		burst int
		extra int // passes after the one the burst arrived during
	}{
		{burst: 0, extra: 0},
		{burst: 1, extra: 1},
		{burst: 2, extra: 1},
		{burst: 1000, extra: 1},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("burst of %d", tc.burst), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var passes atomic.Int32
				var hold atomic.Bool
				entered, release := make(chan struct{}), make(chan struct{})
				rec := ReconcilerFunc(func(context.Context, Key) (Result, error) {
					passes.Add(1)
					if hold.CompareAndSwap(true, false) {
						entered <- struct{}{}
						<-release
					}
					return Result{}, nil
				})
				r := NewRegistry(context.Background(), map[Kind]Reconciler{KindVitessCell: rec},
					time.Hour, closedChan(), nil, quietLogger())
				defer r.Shutdown()
				r.Ensure(cellKey)
				synctest.Wait() // the first passes are done and the goroutine is idle
				base := passes.Load()

				hold.Store(true)
				r.Notify(cellKey)
				await(t, entered, "pass the burst arrives during")
				for range tc.burst {
					r.Notify(cellKey)
				}
				close(release)
				synctest.Wait()
				assert.Equal(t, base+1+int32(tc.extra), passes.Load())
			})
		})
	}
}

// TestRegistryEnsureWithoutReconciler proves that Ensure and Notify for a
// kind with no reconciler start and count nothing.
func TestRegistryEnsureWithoutReconciler(t *testing.T) {
	for _, kind := range []Kind{KindVitessCluster, KindVitessKeyspace, KindVitessShard, KindReplicatedStatefulSet} {
		t.Run(string(kind), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m, reg := newTestMetrics(t)
				c := newCounter()
				r := NewRegistry(context.Background(), map[Kind]Reconciler{KindVitessCell: c},
					time.Hour, closedChan(), m, quietLogger())
				defer r.Shutdown()
				key := Key{Kind: kind, Namespace: "ns", Name: "x"}
				r.Ensure(key)
				r.Notify(key)
				synctest.Wait()
				assert.False(t, r.Running(key))
				assert.Zero(t, c.total())
				assert.Zero(t, metricValue(t, reg, "vitess_operator_objects_managed", kind))
			})
		})
	}
}

// TestRegistryRemoveStopsGoroutine proves that Remove ends the goroutine by
// itself, that no pass follows it, and that Ensure afterwards starts a new one.
func TestRegistryRemoveStopsGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCounter()
		r := NewRegistry(context.Background(), map[Kind]Reconciler{KindVitessCell: c},
			time.Hour, closedChan(), nil, quietLogger())
		r.Ensure(cellKey)
		require.True(t, r.Running(cellKey))
		synctest.Wait()
		n := c.count(cellKey)
		require.GreaterOrEqual(t, n, 1)

		r.Remove(cellKey)
		assert.False(t, r.Running(cellKey))
		exited := make(chan struct{})
		go func() {
			r.running.Wait() // the only goroutine is the removed one
			close(exited)
		}()
		await(t, exited, "the removed goroutine to end")
		r.Notify(cellKey)
		r.Remove(cellKey) // removing twice is harmless
		synctest.Wait()
		assert.Equal(t, n, c.count(cellKey), "no pass after Remove")

		r.Ensure(cellKey)
		assert.True(t, r.Running(cellKey), "a new object of the same name gets a new goroutine")
		synctest.Wait()
		n2 := c.count(cellKey)
		assert.Greater(t, n2, n)

		r.Shutdown()
		assert.False(t, r.Running(cellKey))
		r.Notify(cellKey)
		synctest.Wait()
		assert.Equal(t, n2, c.count(cellKey), "no pass after Shutdown")
	})
}

// TestRegistryWorkerGauge proves that the objects_managed gauge follows
// Ensure, Remove and Shutdown per kind, counting each key once.
func TestRegistryWorkerGauge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, reg := newTestMetrics(t)
		c := newCounter()
		r := NewRegistry(context.Background(), map[Kind]Reconciler{KindVitessCell: c, KindReplicatedStatefulSet: c},
			time.Hour, closedChan(), m, quietLogger())
		gauge := func(k Kind) float64 { return metricValue(t, reg, "vitess_operator_objects_managed", k) }
		zone2 := Key{Kind: KindVitessCell, Namespace: "ns", Name: "zone2"}

		r.Ensure(cellKey)
		r.Ensure(zone2)
		r.Ensure(cellKey)
		r.Ensure(rssKey)
		assert.Equal(t, 2.0, gauge(KindVitessCell))
		assert.Equal(t, 1.0, gauge(KindReplicatedStatefulSet))

		r.Remove(cellKey)
		r.Remove(cellKey)
		assert.Equal(t, 1.0, gauge(KindVitessCell))

		r.Shutdown()
		for _, k := range allTestKinds() {
			assert.Zero(t, gauge(k), "kind %s after Shutdown", k)
		}
	})
}

// TestRegistryShutdownWaitsForPassInProgress proves that Shutdown cancels the
// context of a pass under way and returns only after that pass has returned.
func TestRegistryShutdownWaitsForPassInProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		entered, release := make(chan struct{}), make(chan struct{})
		var passes atomic.Int32
		var cancelled, finished atomic.Bool
		rec := ReconcilerFunc(func(ctx context.Context, _ Key) (Result, error) {
			if passes.Add(1) > 1 {
				return Result{}, nil
			}
			close(entered)
			<-ctx.Done()
			cancelled.Store(true)
			<-release // this pass ignores cancellation until released
			finished.Store(true)
			return Result{}, nil
		})
		r := NewRegistry(context.Background(), map[Kind]Reconciler{KindVitessCell: rec},
			time.Hour, closedChan(), nil, quietLogger())
		r.Ensure(cellKey)
		await(t, entered, "pass")

		shutDown := make(chan bool, 1)
		go func() {
			r.Shutdown()
			shutDown <- finished.Load()
		}()
		synctest.Wait() // Shutdown and the pass are both blocked now
		assert.True(t, cancelled.Load(), "Shutdown must cancel the pass's context")
		select {
		case <-shutDown:
			t.Fatal("Shutdown returned while a pass was under way")
		default:
		}
		close(release)
		assert.True(t, await(t, shutDown, "Shutdown"), "Shutdown returned before the pass did")
	})
}

// TestRegistryEnsureAfterShutdown shows that a registry that has shut down
// must not start goroutines that no Shutdown will wait for.
func TestRegistryEnsureAfterShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c := newCounter()
		r := NewRegistry(ctx, map[Kind]Reconciler{KindVitessCell: c}, time.Hour, closedChan(), nil, quietLogger())
		r.Shutdown()
		r.Ensure(cellKey)
		synctest.Wait()
		running, passes := r.Running(cellKey), c.total()
		cancel()
		r.Shutdown()
		assert.False(t, running, "Ensure after Shutdown started a goroutine")
		assert.Zero(t, passes, "a pass ran after Shutdown")
	})
}
