package k8s

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ControllerRef is the owner reference that makes obj of kind gvk the
// controller of what carries it, so events on the child reach obj's goroutine
// and garbage collection removes the child with obj.
func ControllerRef(obj metav1.Object, gvk schema.GroupVersionKind) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{
		APIVersion:         gvk.GroupVersion().String(),
		Kind:               gvk.Kind,
		Name:               obj.GetName(),
		UID:                obj.GetUID(),
		Controller:         &yes,
		BlockOwnerDeletion: &yes,
	}
}
