package main

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// errLostLease is returned when another process took the Lease over while
// this one still ran; the process exits so that it never acts beside the new leader.
var errLostLease = errors.New("lost the leader-election Lease")

// leader runs work only while this process holds the Lease.
type leader struct {
	opts    *options
	kube    kubernetes.Interface
	id      string
	log     *logrus.Logger
	leading atomic.Bool
	watch   *leaderelection.HealthzAdaptor
	// stuck is called when the Lease was lost and work has not stopped by
	// the time a standby may take the Lease over; in the process it exits,
	// so that two operators never act at once.
	stuck func()
}

// run blocks until ctx ends or the Lease is lost. work gets a context that
// ends when either happens, and the Lease is released only after work has
// returned, so a successor never overlaps a pass still under way here.
//
// client-go's own release (ReleaseOnCancel) is not used: it runs as soon as
// renewing stops, before the leader's context is cancelled, so after a slow
// API server a standby could lead while passes still run here.
func (l *leader) run(ctx context.Context, work func(context.Context) error) error {
	electionCtx, endElection := context.WithCancel(context.Background())
	defer endElection()
	var (
		workErr  error
		lost     atomic.Bool
		started  atomic.Bool
		workDone = make(chan struct{})
	)
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock: &resourcelock.LeaseLock{
			LeaseMeta:  metav1.ObjectMeta{Namespace: l.opts.namespace, Name: l.opts.leaseName},
			Client:     l.kube.CoordinationV1(),
			LockConfig: resourcelock.ResourceLockConfig{Identity: l.id},
		},
		LeaseDuration:   l.opts.leaseDuration,
		RenewDeadline:   l.opts.renewDeadline,
		RetryPeriod:     l.opts.retryPeriod,
		ReleaseOnCancel: false,
		WatchDog:        l.watch,
		Name:            l.opts.leaseName,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leadCtx context.Context) {
				started.Store(true)
				defer close(workDone)
				defer endElection()
				l.leading.Store(true)
				defer l.leading.Store(false)
				l.log.WithField("identity", l.id).Info("leading")
				workCtx, stop := context.WithCancel(ctx)
				defer stop()
				returned := make(chan struct{})
				defer close(returned)
				go func() {
					select {
					case <-leadCtx.Done():
						lost.Store(ctx.Err() == nil)
						stop()
						if lost.Load() {
							l.watchStop(returned)
						}
					case <-workCtx.Done():
					}
				}()
				workErr = work(workCtx)
			},
			OnStoppedLeading: func() {
				l.log.WithField("identity", l.id).Info("not leading")
			},
			OnNewLeader: func(id string) {
				if id != l.id {
					l.log.WithField("leader", id).Info("another operator leads")
				}
			},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election: %w", err)
	}
	go func() {
		// A signal ends the election only through work returning, except
		// while still waiting to acquire the Lease.
		<-ctx.Done()
		if !l.leading.Load() {
			endElection()
		}
	}()
	le.Run(electionCtx)
	// Run returns as soon as renewing fails, before work has stopped.
	if started.Load() {
		<-workDone
	}
	l.releaseIfHeld()
	if lost.Load() {
		return errLostLease
	}
	return workErr
}

// watchStop waits for work to return after the Lease was lost. A standby
// may take the Lease over once it has not been renewed for the lease
// duration, and this process noticed the loss only after the renew
// deadline; work that has not stopped within the difference is stopped by
// ending the process.
func (l *leader) watchStop(returned <-chan struct{}) {
	grace := l.opts.leaseDuration - l.opts.renewDeadline
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-returned:
	case <-timer.C:
		l.log.WithField("grace", grace).Error("the Lease was lost and work did not stop in time; exiting")
		if l.stuck != nil {
			l.stuck()
		}
	}
}

// releaseIfHeld gives the Lease up once work has stopped, when it still
// names this process: after a signal, after a lost renewal whose write did
// land, and after a stop that came while the write that acquired the Lease
// was on its way (the Lease is then held with nobody leading).
func (l *leader) releaseIfHeld() {
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.renewDeadline)
	defer cancel()
	leases := l.kube.CoordinationV1().Leases(l.opts.namespace)
	lease, err := leases.Get(ctx, l.opts.leaseName, metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != l.id {
		return
	}
	one := int32(1)
	lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds = nil, &one
	if _, err := leases.Update(ctx, lease, metav1.UpdateOptions{}); err != nil {
		l.log.WithError(err).Warn("releasing the Lease this process acquired while stopping")
	}
}
