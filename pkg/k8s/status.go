package k8s

import (
	"context"
	"fmt"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// StatusWriter writes the status of one kind of object: the one way every
// reconciler of the operator stores status. A pass computes the status it
// wants on a copy of the object it read; the writer compares it
// semantically with what is stored and writes once, only when they differ.
//
// A write that conflicts (the lister's copy is older than the stored one)
// is returned as the API server's Conflict error, wrapped; the controller's
// worker retries the pass with its backoff, quietly (pkg/controller,
// worker.go). No reconciler sleeps, retries or drops a conflict itself.
type StatusWriter[T StatusObject] struct {
	// Status returns the part of the object a status write stores, for the
	// comparison.
	Status func(obj T) any
	// Update writes the status subresource.
	Update func(ctx context.Context, obj T) (T, error)
}

// StatusUpdater is a generated typed client of one kind, in one namespace,
// as far as writing status goes.
type StatusUpdater[T any] interface {
	UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// NewStatusWriter returns the status writer of a kind: client is its
// namespaced typed client, as client.VitessV1alpha1().VitessCells; status
// picks what a write stores.
func NewStatusWriter[T StatusObject, C StatusUpdater[T]](client func(namespace string) C, status func(T) any) StatusWriter[T] {
	return StatusWriter[T]{
		Status: status,
		Update: func(ctx context.Context, obj T) (T, error) {
			return client(obj.GetNamespace()).UpdateStatus(ctx, obj, metav1.UpdateOptions{})
		},
	}
}

// StatusObject is an object with a status subresource.
type StatusObject interface {
	metav1.Object
	runtime.Object
}

// Write calls compute on a deep copy of current and writes the copy's
// status when it differs from current's. It returns whether it wrote.
func (w StatusWriter[T]) Write(ctx context.Context, current T, compute func(next T)) (bool, error) {
	next, ok := current.DeepCopyObject().(T)
	if !ok {
		return false, fmt.Errorf("writing status of %s: its deep copy has another type", current.GetName())
	}
	compute(next)
	if apiequality.Semantic.DeepEqual(w.Status(current), w.Status(next)) {
		return false, nil
	}
	if _, err := w.Update(ctx, next); err != nil {
		return false, fmt.Errorf("writing status of %s: %w", current.GetName(), err)
	}
	return true, nil
}

// SetObjectStatus writes generation, phase and conditions into st, as every
// kind's status computation ends; a condition keeps its transition time while
// its status stays.
func SetObjectStatus(st *common.ObjectStatus, generation int64, phase string, conds ...metav1.Condition) {
	st.ObservedGeneration = generation
	st.Phase = phase
	for _, c := range conds {
		c.ObservedGeneration = generation
		meta.SetStatusCondition(&st.Conditions, c)
	}
}
