package framework

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Exists holds once the object exists.
func Exists(obj *unstructured.Unstructured) (bool, error) { return obj != nil, nil }

// Gone holds once the object does not exist.
func Gone(obj *unstructured.Unstructured) (bool, error) { return obj == nil, nil }

// ObservedCurrentGeneration holds once status.observedGeneration equals
// metadata.generation.
func ObservedCurrentGeneration(obj *unstructured.Unstructured) (bool, error) {
	if obj == nil {
		return false, nil
	}
	observed, _, err := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	if err != nil {
		return false, err
	}
	return observed == obj.GetGeneration(), nil
}
