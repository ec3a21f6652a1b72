package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// blockingHooks runs hooks until release is closed or their context ends;
// it reports the container of each hook it starts.
type blockingHooks struct {
	started chan string
	release chan struct{}
}

func (b blockingHooks) run(ctx context.Context, _ *corev1.Pod, c corev1.Container) error {
	b.started <- c.Name
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
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
	ex := blockingHooks{started: make(chan string, 4), release: make(chan struct{})}
	p := &preStops{run: ex.run, done: map[string]hookRun{}}
	pod := podWithHooks(60, "vttablet", "mysqld")
	called := make(chan struct{}, 1)
	then := func() { called <- struct{}{} }

	assert.False(t, p.returned(pod, then), "the hooks run")
	got := map[string]bool{}
	for range 2 {
		got[<-ex.started] = true
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
	ex := blockingHooks{started: make(chan string, 4), release: make(chan struct{})}
	p := &preStops{run: ex.run, done: map[string]hookRun{}}
	called := make(chan struct{}, 1)
	assert.False(t, p.returned(podWithHooks(1, "mysqld"), func() { called <- struct{}{} }))
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("the hook was not cut off after the grace period")
	}
}

// TestHooksRunInThePodsDirectoryWithItsEnvironment proves a hook runs on
// this host as kubectl exec would run it in the container: in the pod's
// working directory, with its identity, the container's literal env values
// and the simulators first on the PATH.
func TestHooksRunInThePodsDirectoryWithItsEnvironment(t *testing.T) {
	root, sims := t.TempDir(), t.TempDir()
	h := &host{root: root, simDir: sims}
	pod := podWithHooks(60, "mysqld")
	pod.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "TABLET_UID", Value: "0000000101"}}
	work := filepath.Join(root, "claims", "ns", "data-p")
	require.NoError(t, os.MkdirAll(work, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Dir(registryLink(root, pod)), 0o755))
	require.NoError(t, os.Symlink(work, registryLink(root, pod)))
	pod.Spec.Containers[0].Lifecycle.PreStop.Exec.Command = []string{"sh", "-c",
		`echo "$POD_NAME $CONTAINER_NAME $TABLET_UID $(pwd) ${PATH%%:*}" > hook.out`}

	require.NoError(t, h.runHookHere(context.Background(), pod, pod.Spec.Containers[0]))
	out, err := os.ReadFile(filepath.Join(work, "hook.out"))
	require.NoError(t, err)
	assert.Equal(t, "p mysqld 0000000101 "+work+" "+sims+"\n", string(out))
}
