package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kubefake "k8s.io/client-go/kubernetes/fake"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// TestApplierOfMerge proves the generic applier replaces the operator's
// labels, owner references and owned fields, keeps what others own (their
// labels, annotations, status, fields the operator does not own), and
// leaves the lister's copy alone.
func TestApplierOfMerge(t *testing.T) {
	kube := kubefake.NewClientset()
	lister := appslisters.NewDeploymentLister(cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{}))
	d := applierOf(lister.Deployments, kube.AppsV1().Deployments,
		func(u, want *appsv1.Deployment) { u.Spec.Replicas = want.Spec.Replicas }, func(runtime.Object, string) {})
	one, two := int32(1), int32(2)
	have := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Labels: map[string]string{"theirs": "x", LabelCluster: "old"},
			Annotations: map[string]string{"theirs": "y"}},
		Spec:   appsv1.DeploymentSpec{Replicas: &one, MinReadySeconds: 7},
		Status: appsv1.DeploymentStatus{ReadyReplicas: 1},
	}
	want := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "d", Labels: map[string]string{LabelCluster: "new"},
			OwnerReferences: []metav1.OwnerReference{{Name: "owner"}}},
		Spec: appsv1.DeploymentSpec{Replicas: &two},
	}
	got := d.Merge(have, want)
	assert.Equal(t, map[string]string{"theirs": "x", LabelCluster: "new"}, got.Labels)
	assert.Equal(t, map[string]string{"theirs": "y"}, got.Annotations)
	assert.Equal(t, want.OwnerReferences, got.OwnerReferences)
	assert.Equal(t, int32(2), *got.Spec.Replicas)
	assert.Equal(t, int32(7), got.Spec.MinReadySeconds)
	assert.Equal(t, int32(1), got.Status.ReadyReplicas)
	assert.Equal(t, int32(1), *have.Spec.Replicas, "the lister's copy is not changed")
	assert.Equal(t, "old", have.Labels[LabelCluster])
}

// TestApplierOfApply proves the generic applier reads through the lister and
// writes through the typed client: it creates a missing object, and updates
// it only once the rendered spec changes.
func TestApplierOfApply(t *testing.T) {
	kube := kubefake.NewClientset()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	a := applierOf(appslisters.NewDeploymentLister(idx).Deployments, kube.AppsV1().Deployments,
		func(u, want *appsv1.Deployment) { u.Spec.Replicas = want.Spec.Replicas }, func(runtime.Object, string) {})
	render := func(n int32) *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: testNS}, Spec: appsv1.DeploymentSpec{Replicas: &n}}
	}
	sync := func() {
		got, err := kube.AppsV1().Deployments(testNS).Get(t.Context(), "d", metav1.GetOptions{})
		require.NoError(t, err)
		require.NoError(t, idx.Update(got))
	}
	for _, step := range []struct {
		replicas  int32
		wantWrite bool
	}{{1, true}, {1, false}, {3, true}} {
		want := render(step.replicas)
		wrote, err := a.Apply(t.Context(), want, want.Spec)
		require.NoError(t, err)
		assert.Equal(t, step.wantWrite, wrote, "replicas %d", step.replicas)
		sync()
		got, _ := kube.AppsV1().Deployments(testNS).Get(t.Context(), "d", metav1.GetOptions{})
		assert.Equal(t, step.replicas, *got.Spec.Replicas)
		assert.NotEmpty(t, got.Annotations[k8s.AnnotationSpecHash])
	}
}

// TestApplierOfRestoresDrift: a spec edited by someone else (kubectl scale
// here, as managedFields records it) is restored at the next apply although
// the rendered spec did not change, and reported; an edit that leaves its
// manager's entry behind is not corrected again until the object changes.
func TestApplierOfRestoresDrift(t *testing.T) {
	kube := kubefake.NewClientset()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	var restored []string
	a := applierOf(appslisters.NewDeploymentLister(idx).Deployments, kube.AppsV1().Deployments,
		func(u, want *appsv1.Deployment) { u.Spec.Replicas = want.Spec.Replicas },
		func(_ runtime.Object, editor string) { restored = append(restored, editor) })
	three := int32(3)
	want := func() *appsv1.Deployment {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: testNS}, Spec: appsv1.DeploymentSpec{Replicas: &three}}
	}
	sync := func() *appsv1.Deployment {
		got, err := kube.AppsV1().Deployments(testNS).Get(t.Context(), "d", metav1.GetOptions{})
		require.NoError(t, err)
		require.NoError(t, idx.Update(got))
		return got
	}
	w := want()
	_, err := a.Apply(t.Context(), w, w.Spec)
	require.NoError(t, err)
	edit := func(rv string) {
		got := sync()
		zero := int32(0)
		got.Spec.Replicas, got.ResourceVersion = &zero, rv
		got.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate,
			Subresource: "scale", FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:replicas":{}}}`)}}
		_, err := kube.AppsV1().Deployments(testNS).Update(t.Context(), got, metav1.UpdateOptions{FieldManager: "kubectl"})
		require.NoError(t, err)
		sync()
	}
	edit("2")
	w = want()
	wrote, err := a.Apply(t.Context(), w, w.Spec)
	require.NoError(t, err)
	assert.True(t, wrote, "the edited spec was not restored")
	assert.Equal(t, int32(3), *sync().Spec.Replicas)
	assert.Equal(t, []string{"kubectl"}, restored)

	w = want()
	wrote, err = a.Apply(t.Context(), w, w.Spec)
	require.NoError(t, err)
	assert.False(t, wrote, "a leftover managedFields entry made another write")

	edit("5")
	w = want()
	wrote, err = a.Apply(t.Context(), w, w.Spec)
	require.NoError(t, err)
	assert.True(t, wrote, "a second edit was not restored")
	assert.Equal(t, []string{"kubectl", "kubectl"}, restored)
}
