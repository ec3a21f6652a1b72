package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func node(name string, annotations map[string]string) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: annotations}}
}

var lostAnnotations = map[string]string{LostAnnotation: "true"}

// TestNodeLost proves that only the annotation's value "true" makes a node
// lost.
func TestNodeLost(t *testing.T) {
	assert.False(t, nodeLost(nil))
	assert.False(t, nodeLost(node("n", nil)))
	assert.False(t, nodeLost(node("n", map[string]string{LostAnnotation: "false"})))
	assert.False(t, nodeLost(node("n", map[string]string{LostAnnotation: ""})))
	assert.False(t, nodeLost(node("n", map[string]string{"other": "true"})))
	assert.True(t, nodeLost(node("n", lostAnnotations)))
}

// TestPodOnLostNode proves which pods are lost: those bound to a lost node
// or to a node that no longer exists, never an unscheduled one.
func TestPodOnLostNode(t *testing.T) {
	bound := &corev1.Pod{Spec: corev1.PodSpec{NodeName: "n"}}
	tests := []struct {
		name  string
		pod   *corev1.Pod
		node  *corev1.Node
		found bool
		want  bool
	}{
		{"healthy node", bound, node("n", nil), true, false},
		{"lost node", bound, node("n", lostAnnotations), true, true},
		{"deleted node", bound, nil, false, true},
		{"unscheduled", &corev1.Pod{}, nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, podOnLostNode(tc.pod, tc.node, tc.found))
		})
	}
}

// TestLeaseTakenForLoss proves that only a Lease held by the node-lost
// stage's identity is given back.
func TestLeaseTakenForLoss(t *testing.T) {
	held := func(holder string) *coordinationv1.Lease {
		return &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder}}
	}
	assert.False(t, leaseTakenForLoss(nil))
	assert.False(t, leaseTakenForLoss(&coordinationv1.Lease{}))
	assert.False(t, leaseTakenForLoss(held("host_1234")))
	assert.True(t, leaseTakenForLoss(held(LostLeaseHolder)))
}

// TestLostMarkerFile proves the marker's path beside the registry link, that
// writing it is idempotent and leaves no temporary file, and that removing a
// missing one is no error.
func TestLostMarkerFile(t *testing.T) {
	dir := t.TempDir()
	path := lostMarker(dir, "vt", "db-0")
	assert.Equal(t, filepath.Join(dir, "registry", "vt", "db-0.lost"), path)

	require.NoError(t, writeLostMarker(path, "kwok-zone-a-0"))
	require.NoError(t, writeLostMarker(path, "kwok-zone-a-0"))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "kwok-zone-a-0\n", string(data))
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1)

	require.NoError(t, removeLostMarker(path))
	_, err = os.Stat(path)
	assert.True(t, os.IsNotExist(err))
	require.NoError(t, removeLostMarker(path))
}

// TestNodeChanged proves which node updates make the host look at the node's
// pods again: a change of the annotation, or a resync.
func TestNodeChanged(t *testing.T) {
	a := node("n", nil)
	a.ResourceVersion = "1"
	b := node("n", nil)
	b.ResourceVersion = "2"
	lost := node("n", lostAnnotations)
	lost.ResourceVersion = "3"
	assert.False(t, nodeChanged(a, b), "a heartbeat")
	assert.True(t, nodeChanged(a, a), "a resync")
	assert.True(t, nodeChanged(b, lost))
	assert.True(t, nodeChanged(lost, b))
}

// TestLeaseNodeKey proves that only a node Lease the node-lost stage took
// makes the host look at its node.
func TestLeaseNodeKey(t *testing.T) {
	holder, other := LostLeaseHolder, "host_1234"
	lease := func(ns string, h *string) *coordinationv1.Lease {
		return &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "n"},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: h},
		}
	}
	_, name, ok := leaseNodeKey(lease(corev1.NamespaceNodeLease, &holder))
	assert.True(t, ok)
	assert.Equal(t, "n", name)
	_, _, ok = leaseNodeKey(lease(corev1.NamespaceNodeLease, &other))
	assert.False(t, ok)
	_, _, ok = leaseNodeKey(lease("kube-system", &holder))
	assert.False(t, ok)
	_, _, ok = leaseNodeKey(&corev1.Pod{})
	assert.False(t, ok)
}

// newTestHost runs a host against fake clients holding objs, with its caches
// synced, and returns it with its data root.
func newTestHost(t *testing.T, objs ...runtime.Object) (*host, *fake.Clientset) {
	t.Helper()
	kube := fake.NewClientset(objs...)
	// The fake API server sends a watch only what happens after the watch
	// starts: a change made between an informer's list and its watch would
	// never reach the cache. So the host is returned once its pod watch runs.
	podsWatched := make(chan struct{})
	var once sync.Once
	kube.PrependWatchReactor("pods", func(a k8stesting.Action) (bool, watch.Interface, error) {
		w, err := kube.Tracker().Watch(a.GetResource(), a.GetNamespace())
		if err == nil {
			once.Do(func() { close(podsWatched) })
		}
		return true, w, err
	})
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{execGVR: "ExecList"})
	log := logrus.New()
	log.SetOutput(io.Discard)
	h, kf, df := newHost(t.TempDir(), kube, dyn, log)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	kf.Start(ctx.Done())
	df.Start(ctx.Done())
	kf.WaitForCacheSync(ctx.Done())
	df.WaitForCacheSync(ctx.Done())
	select {
	case <-podsWatched:
	case <-time.After(10 * time.Second):
		t.Fatal("the host's pod informer did not start watching")
	}
	return h, kube
}

func boundPod(name, nodeName string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "vt", Name: name, UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "c"}}},
	}
}

// TestSyncPodMarksPodsOfLostNodes proves that a registered pod on a lost or
// deleted node gets a marker beside its registry entry, one on a healthy
// node none, and that the marker goes with the registry entry.
func TestSyncPodMarksPodsOfLostNodes(t *testing.T) {
	h, kube := newTestHost(t,
		node("healthy", nil), node("lost", lostAnnotations),
		boundPod("p-1", "healthy"), boundPod("p-2", "lost"), boundPod("p-3", "deleted"))
	ctx := context.Background()
	for _, name := range []string{"p-1", "p-2", "p-3"} {
		require.NoError(t, h.syncPod(ctx, "vt", name))
		_, err := os.Lstat(filepath.Join(h.root, "registry", "vt", name))
		require.NoError(t, err, "registry link of %s", name)
	}
	assert.NoFileExists(t, lostMarker(h.root, "vt", "p-1"))
	assert.FileExists(t, lostMarker(h.root, "vt", "p-2"))
	assert.FileExists(t, lostMarker(h.root, "vt", "p-3"))

	require.NoError(t, kube.CoreV1().Pods("vt").Delete(ctx, "p-2", metav1.DeleteOptions{}))
	require.Eventually(t, func() bool {
		_, err := h.pods.Pods("vt").Get("p-2")
		return apierrors.IsNotFound(err)
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, h.syncPod(ctx, "vt", "p-2"))
	assert.NoFileExists(t, lostMarker(h.root, "vt", "p-2"))
}

// TestSyncNodeGivesLeaseBack proves that the host deletes the Lease the
// node-lost stage took once the node is not lost, so that kwok makes a new one,
// and leaves it while the node is lost; and that a node's pods are synced
// again when the node is.
func TestSyncNodeGivesLeaseBack(t *testing.T) {
	holder := LostLeaseHolder
	lease := func(name string) *coordinationv1.Lease {
		return &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Namespace: corev1.NamespaceNodeLease, Name: name},
			Spec:       coordinationv1.LeaseSpec{HolderIdentity: &holder},
		}
	}
	h, kube := newTestHost(t, node("back", nil), node("lost", lostAnnotations), lease("back"), lease("lost"),
		boundPod("p-1", "back"))
	ctx := context.Background()
	// drain empties the queue and returns what was in it; the informers'
	// own events queue items too.
	drain := func() []item {
		var items []item
		for h.queue.Len() > 0 {
			it, _ := h.queue.Get()
			h.queue.Done(it)
			items = append(items, it)
		}
		return items
	}
	drain()

	require.NoError(t, h.syncNode(ctx, "lost"))
	_, err := kube.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "lost", metav1.GetOptions{})
	require.NoError(t, err, "the lease of a lost node is kept")

	require.NoError(t, h.syncNode(ctx, "back"))
	_, err = kube.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "back", metav1.GetOptions{})
	assert.True(t, apierrors.IsNotFound(err), "the lease of a node back is given back: %v", err)
	assert.Contains(t, drain(), item{"pod", "vt", "p-1"})
}

// TestAPodDeletedWhileItsNodeWasLostIsNotExposedAgain proves that a pod
// marked lost whose node comes back is exposed again only if the API server
// still holds it: one deleted (or replaced by a pod of the same name) while
// its node was away is unlinked, even though the host's informer has not
// shown the deletion yet.
func TestAPodDeletedWhileItsNodeWasLostIsNotExposedAgain(t *testing.T) {
	h, _ := newTestHost(t, node("back", nil), boundPod("p-1", "back"))
	ctx := context.Background()
	marker := lostMarker(h.root, "vt", "p-1")
	link := filepath.Join(h.root, "registry", "vt", "p-1")

	live := boundPod("p-1", "back")
	require.NoError(t, h.link(live, t.TempDir(), nil))
	require.NoError(t, writeLostMarker(marker, "back"))
	gone, err := h.goneWhileLost(ctx, live, marker)
	require.NoError(t, err)
	assert.False(t, gone, "the pod the API server holds is exposed again")
	assert.FileExists(t, link+".uid")

	stale := live.DeepCopy()
	stale.UID = "uid-of-a-pod-force-deleted-while-lost"
	gone, err = h.goneWhileLost(ctx, stale, marker)
	require.NoError(t, err)
	assert.True(t, gone)
	assert.NoFileExists(t, link+".uid")
	assert.NoFileExists(t, marker)

	gone, err = h.goneWhileLost(ctx, live, marker)
	require.NoError(t, err)
	assert.False(t, gone, "a pod not marked lost needs no check")
}
