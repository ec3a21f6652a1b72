package controller

import (
	"context"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// Registry keeps one goroutine per managed object: started when the object
// appears, stopped when it is deleted, and poked when the object or anything
// it owns changes.
type Registry struct {
	ctx         context.Context
	reconcilers map[Kind]Reconciler
	resync      time.Duration
	started     <-chan struct{}
	metrics     *Metrics
	log         *logrus.Logger

	mu      sync.Mutex
	workers map[Key]*worker
	// counts and confirmed are per kind: goroutines, and those of them
	// whose object has had a pass without error.
	counts    map[Kind]int
	confirmed map[Kind]int
	running   sync.WaitGroup
	closed    bool
}

// NewRegistry returns a registry whose goroutines live at most as long as ctx
// and run no pass before started is closed. A kind with no reconciler gets no
// goroutine.
func NewRegistry(ctx context.Context, reconcilers map[Kind]Reconciler, resync time.Duration,
	started <-chan struct{}, metrics *Metrics, log *logrus.Logger) *Registry {
	return &Registry{
		ctx:         ctx,
		reconcilers: reconcilers,
		resync:      resync,
		started:     started,
		metrics:     metrics,
		log:         log,
		workers:     map[Key]*worker{},
		counts:      map[Kind]int{},
		confirmed:   map[Kind]int{},
	}
}

// Ensure starts the goroutine of key unless it runs already, and asks it for a pass.
func (r *Registry) Ensure(key Key) {
	rec, ok := r.reconcilers[key.Kind]
	if !ok {
		return
	}
	r.mu.Lock()
	if r.closed {
		// An informer handler can still run while the controller shuts down.
		r.mu.Unlock()
		return
	}
	w, ok := r.workers[key]
	if !ok {
		ctx, cancel := context.WithCancel(r.ctx)
		w = &worker{
			key:     key,
			rec:     rec,
			notify:  make(chan struct{}, 1),
			cancel:  cancel,
			resync:  r.resync,
			started: r.started,
			metrics: r.metrics,
			log:     r.log.WithFields(key.logFields()),
		}
		w.onConfirmed = func() { r.confirm(w) }
		r.workers[key] = w
		r.counts[key.Kind]++
		r.metrics.setWorkers(key.Kind, r.counts[key.Kind], r.confirmed[key.Kind])
		r.running.Add(1)
		go func() {
			defer r.running.Done()
			w.run(ctx)
			if f, ok := rec.(Forgetter); ok && w.removed.Load() {
				f.Forget(key)
			}
		}()
	}
	r.mu.Unlock()
	w.poke()
}

// Notify asks the goroutine of key for a pass; it does nothing when key has none.
func (r *Registry) Notify(key Key) {
	r.mu.Lock()
	w, ok := r.workers[key]
	r.mu.Unlock()
	if ok {
		w.poke()
	}
}

// Remove stops the goroutine of key. It does not wait for a pass under way to
// end; Shutdown does. A new object of the same name gets a new goroutine.
func (r *Registry) Remove(key Key) {
	r.mu.Lock()
	w, ok := r.workers[key]
	if ok {
		delete(r.workers, key)
		r.counts[key.Kind]--
		if w.confirmed {
			r.confirmed[key.Kind]--
		}
		r.metrics.setWorkers(key.Kind, r.counts[key.Kind], r.confirmed[key.Kind])
	}
	r.mu.Unlock()
	if ok {
		w.removed.Store(true)
		w.cancel()
	}
}

// confirm counts w's object as confirmed, once, while w is its goroutine;
// later calls find it counted.
func (r *Registry) confirm(w *worker) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if w.confirmed || r.workers[w.key] != w {
		return
	}
	w.confirmed = true
	r.confirmed[w.key.Kind]++
	r.metrics.setWorkers(w.key.Kind, r.counts[w.key.Kind], r.confirmed[w.key.Kind])
}

// Running reports whether key has a goroutine.
func (r *Registry) Running(key Key) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.workers[key]
	return ok
}

// Shutdown stops every goroutine and waits for them; later Ensure calls do nothing.
func (r *Registry) Shutdown() {
	r.mu.Lock()
	workers := r.workers
	r.workers = map[Key]*worker{}
	r.counts = map[Kind]int{}
	r.confirmed = map[Kind]int{}
	r.closed = true
	r.mu.Unlock()
	for _, w := range workers {
		w.cancel()
	}
	r.running.Wait()
	for k := range r.reconcilers {
		r.metrics.setWorkers(k, 0, 0)
	}
}
