package framework

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	operatorscheme "github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned/scheme"
)

// Scheme knows the Go types of the built-in Kubernetes API and of the
// operator's API groups, so that the typed helpers can tell an object's kind
// from its Go type alone.
var Scheme = newScheme()

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(operatorscheme.AddToScheme(s))
	return s
}

// Object is a pointer to a typed API object whose struct type is T, such as
// *corev1.Pod or *v1alpha1.VitessShard. Go infers T from P, so callers name
// only the struct type, as in ReadObject[v1alpha1.VitessCluster](path), or
// nothing at all when a condition's parameter type says it.
type Object[T any] interface {
	*T
	runtime.Object
}

// KindOf returns the group, version and kind that Scheme registers for the
// Go type T.
func KindOf[T any, P Object[T]]() (schema.GroupVersionKind, error) {
	var zero T
	gvks, _, err := Scheme.ObjectKinds(P(&zero))
	if err != nil {
		return schema.GroupVersionKind{}, err
	}
	return gvks[0], nil
}

// ResourceOf returns the API resource of the Go type T, found through the
// cluster's discovery.
func ResourceOf[T any, P Object[T]](c *Cluster) (schema.GroupVersionResource, error) {
	gvk, err := KindOf[T, P]()
	if err != nil {
		return schema.GroupVersionResource{}, err
	}
	mapping, err := c.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return schema.GroupVersionResource{}, fmt.Errorf("mapping %s: %w", gvk, err)
	}
	return mapping.Resource, nil
}
