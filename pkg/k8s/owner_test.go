package k8s

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestControllerRef(t *testing.T) {
	obj := &metav1.ObjectMeta{Name: "db", Namespace: "ns", UID: "uid-1"}
	ref := ControllerRef(obj, schema.GroupVersionKind{Group: "clusterlabs.org", Version: "v1alpha1", Kind: "ReplicatedStatefulSet"})

	assert.Equal(t, "clusterlabs.org/v1alpha1", ref.APIVersion)
	assert.Equal(t, "ReplicatedStatefulSet", ref.Kind)
	assert.Equal(t, "db", ref.Name)
	assert.EqualValues(t, "uid-1", ref.UID)
	require.NotNil(t, ref.Controller)
	assert.True(t, *ref.Controller)
	require.NotNil(t, ref.BlockOwnerDeletion)
	assert.True(t, *ref.BlockOwnerDeletion)

	child := &metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{ref}}
	assert.True(t, metav1.IsControlledBy(child, obj), "the child is controlled by obj")
	assert.False(t, metav1.IsControlledBy(child, &metav1.ObjectMeta{UID: "uid-2"}))
}

func TestControllerRefCoreGroup(t *testing.T) {
	ref := ControllerRef(&metav1.ObjectMeta{Name: "cm"}, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"})
	assert.Equal(t, "v1", ref.APIVersion)
}
