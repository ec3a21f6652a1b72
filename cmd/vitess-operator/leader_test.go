package main

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/leaderelection"
)

// flakyLeases makes every Lease update fail while failing is set, as an API
// server too slow to answer within the renew deadline would, and records
// whether the Lease was ever freed while work was still running.
type flakyLeases struct {
	failing        atomic.Bool
	working        atomic.Bool
	freedInFlight  atomic.Bool
	updatesRefused atomic.Int32
}

func (f *flakyLeases) react(action k8stesting.Action) (bool, runtime.Object, error) {
	if f.failing.Load() {
		f.updatesRefused.Add(1)
		return true, nil, errors.New("the API server timed out")
	}
	lease := action.(k8stesting.UpdateAction).GetObject().(*coordinationv1.Lease)
	if f.working.Load() && (lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "") {
		f.freedInFlight.Store(true)
	}
	return false, nil, nil
}

func testLeader(kube *fake.Clientset, stuck func()) *leader {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return &leader{
		opts: &options{
			namespace: "ops", leaseName: "vitess-operator",
			leaseDuration: 900 * time.Millisecond, renewDeadline: 600 * time.Millisecond, retryPeriod: 100 * time.Millisecond,
		},
		kube:  kube,
		id:    "op-a",
		log:   log,
		watch: leaderelection.NewLeaderHealthzAdaptor(time.Second),
		stuck: stuck,
	}
}

func holder(t *testing.T, kube *fake.Clientset) string {
	lease, err := kube.CoordinationV1().Leases("ops").Get(context.Background(), "vitess-operator", metav1.GetOptions{})
	require.NoError(t, err)
	if lease.Spec.HolderIdentity == nil {
		return ""
	}
	return *lease.Spec.HolderIdentity
}

// TestLostLeaseIsFreedOnlyAfterWorkStopped: when renewing fails, work is
// told to stop, and the Lease is given up only once it has returned, never
// while a pass could still act.
func TestLostLeaseIsFreedOnlyAfterWorkStopped(t *testing.T) {
	kube := fake.NewClientset()
	leases := &flakyLeases{}
	kube.PrependReactor("update", "leases", leases.react)
	l := testLeader(kube, func() { t.Error("work stopped in time but the process was told to exit") })

	err := l.run(context.Background(), func(ctx context.Context) error {
		leases.working.Store(true)
		defer leases.working.Store(false)
		leases.failing.Store(true)
		<-ctx.Done()
		// A pass that takes a moment to wind down after the loss.
		leases.failing.Store(false)
		time.Sleep(50 * time.Millisecond)
		return nil
	})
	assert.ErrorIs(t, err, errLostLease)
	assert.Positive(t, leases.updatesRefused.Load())
	assert.False(t, leases.freedInFlight.Load(), "the Lease was freed while work still ran")
	assert.Equal(t, "", holder(t, kube), "the Lease was not given up after work stopped")
}

// TestWorkThatOutlivesTheLeaseEndsTheProcess: work that does not stop before
// a standby may take the Lease over makes the leader call stuck (in the
// process: exit) instead of acting beside the new leader.
func TestWorkThatOutlivesTheLeaseEndsTheProcess(t *testing.T) {
	kube := fake.NewClientset()
	leases := &flakyLeases{}
	kube.PrependReactor("update", "leases", leases.react)
	exited := make(chan struct{})
	l := testLeader(kube, func() { close(exited) })

	lost := time.Time{}
	err := l.run(context.Background(), func(ctx context.Context) error {
		leases.failing.Store(true)
		<-ctx.Done()
		lost = time.Now()
		<-exited // ignores the loss until the process is ended
		leases.failing.Store(false)
		return nil
	})
	assert.ErrorIs(t, err, errLostLease)
	grace := l.opts.leaseDuration - l.opts.renewDeadline
	assert.GreaterOrEqual(t, time.Since(lost), grace, "stuck was called before the grace had passed")
}

// TestSignalStopReleasesAfterWork: on a signal the Lease is released once
// work has returned, so a successor need not wait for it to expire.
func TestSignalStopReleasesAfterWork(t *testing.T) {
	kube := fake.NewClientset()
	leases := &flakyLeases{}
	kube.PrependReactor("update", "leases", leases.react)
	l := testLeader(kube, func() { t.Error("stuck after a signal") })
	ctx, cancel := context.WithCancel(context.Background())
	err := l.run(ctx, func(ctx context.Context) error {
		leases.working.Store(true)
		defer leases.working.Store(false)
		cancel()
		<-ctx.Done()
		return nil
	})
	require.NoError(t, err)
	assert.False(t, leases.freedInFlight.Load())
	assert.Equal(t, "", holder(t, kube))
}
