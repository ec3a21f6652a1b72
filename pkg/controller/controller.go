package controller

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// Config is what a Controller needs.
type Config struct {
	// Informers serve every read; the controller starts them.
	Informers *Informers
	// Kinds are the managed kinds, each registered by its own package.
	Kinds []Registration
	// Resync is the interval of the safety-net pass when a reconciler asks for none.
	Resync time.Duration
	// Metrics records pass durations and goroutine counts; nil records nothing.
	Metrics *Metrics
	// Log is the logger.
	Log *logrus.Logger
}

// Controller wires informers to per-object goroutines.
type Controller struct {
	cfg   Config
	ready atomic.Bool
}

// New returns a controller for cfg.
func New(cfg Config) *Controller {
	if cfg.Resync <= 0 {
		cfg.Resync = 30 * time.Second
	}
	return &Controller{cfg: cfg}
}

// Ready reports whether the caches have synced and goroutines may act.
func (c *Controller) Ready() bool { return c.ready.Load() }

// Run starts the informers, waits for their caches, lets the goroutines act,
// and blocks until ctx ends; then it stops every goroutine and informer.
func (c *Controller) Run(ctx context.Context) error {
	synced := make(chan struct{})
	recs, g := map[Kind]Reconciler{}, groups{}
	for _, k := range c.cfg.Kinds {
		if _, dup := recs[k.Kind]; dup {
			return fmt.Errorf("kind %s registered twice", k.Kind)
		}
		recs[k.Kind], g[k.Kind] = k.Reconciler, k.Group
	}
	reg := NewRegistry(ctx, recs, c.cfg.Resync, synced, c.cfg.Metrics, c.cfg.Log)

	for _, k := range c.cfg.Kinds {
		if _, err := k.Informer.AddEventHandler(managedHandler(reg, g, k.Kind, k.Dependents, k.Concerns)); err != nil {
			return fmt.Errorf("watching %s: %w", k.Kind, err)
		}
	}
	for _, inf := range c.cfg.Informers.owned() {
		if _, err := inf.AddEventHandler(ownedHandler(reg, g)); err != nil {
			return fmt.Errorf("watching owned objects: %w", err)
		}
	}
	claims := c.cfg.Informers.Kube.Core().V1().PersistentVolumeClaims().Informer()
	if _, err := claims.AddEventHandler(claimHandler(reg, g)); err != nil {
		return fmt.Errorf("watching claims: %w", err)
	}
	c.cfg.Informers.Start(ctx)
	defer func() {
		// Goroutines first, so none reads a cache that is going away.
		reg.Shutdown()
		c.cfg.Informers.Shutdown()
	}()
	if err := c.cfg.Informers.WaitForCacheSync(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // asked to stop before the caches synced: a clean exit
		}
		return err
	}
	// Goroutines started by the initial list wait on synced, so no pass ever
	// sees a half-filled cache, which would read as missing pods.
	close(synced)
	c.ready.Store(true)
	defer c.ready.Store(false)
	c.cfg.Log.Info("caches synced; controller running")
	<-ctx.Done()
	return nil
}
