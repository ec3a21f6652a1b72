package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// blockingExec is an executor whose commands run until release is closed or
// their context ends; it reports each command it starts.
type blockingExec struct {
	started chan dataplane.Target
	release chan struct{}
}

func (b blockingExec) Exec(ctx context.Context, t dataplane.Target, _ []string) (dataplane.Result, error) {
	b.started <- t
	select {
	case <-b.release:
		return dataplane.Result{}, nil
	case <-ctx.Done():
		return dataplane.Result{}, ctx.Err()
	}
}

func podWithHooks(grace int64, containers ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "u1", DeletionGracePeriodSeconds: &grace}}
	for _, c := range containers {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: c, Lifecycle: &corev1.Lifecycle{
			PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "hold"}}}}})
	}
	return p
}

// TestPreStopHooksHoldADeletedPod proves a deleted pod's processes stop
// only once every container's hook has returned, and that the hooks run
// once per pod.
func TestPreStopHooksHoldADeletedPod(t *testing.T) {
	ex := blockingExec{started: make(chan dataplane.Target, 4), release: make(chan struct{})}
	p := &preStops{exec: ex, done: map[string]hookRun{}}
	pod := podWithHooks(60, "vttablet", "mysqld")
	called := make(chan struct{}, 1)
	then := func() { called <- struct{}{} }

	assert.False(t, p.returned(pod, then), "the hooks run")
	got := map[string]bool{}
	for range 2 {
		got[(<-ex.started).Container] = true
	}
	assert.Equal(t, map[string]bool{"vttablet": true, "mysqld": true}, got, "each container's hook runs in it")
	assert.False(t, p.returned(pod, then), "still running, and not started again")
	close(ex.release)
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("not told when the hooks returned")
	}
	assert.True(t, p.returned(pod, then))
	assert.Empty(t, ex.started, "no hook ran twice")

	p.forget("ns", "p")
	require.True(t, p.returned(podWithHooks(60), then), "a pod without hooks stops at once")
}

// TestPreStopHooksEndWithTheGracePeriod proves a hook that does not return
// is cut off when the pod's grace period has passed, as a kubelet does.
func TestPreStopHooksEndWithTheGracePeriod(t *testing.T) {
	ex := blockingExec{started: make(chan dataplane.Target, 4), release: make(chan struct{})}
	p := &preStops{exec: ex, done: map[string]hookRun{}}
	called := make(chan struct{}, 1)
	assert.False(t, p.returned(podWithHooks(1, "mysqld"), func() { called <- struct{}{} }))
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("the hook was not cut off after the grace period")
	}
}
