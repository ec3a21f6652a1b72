package rss

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
	listers "github.com/vitess-operator/vitess-operator/pkg/generated/listers/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Reconciler runs the passes of ReplicatedStatefulSets.
type Reconciler struct {
	sets   listers.ReplicatedStatefulSetLister
	client versioned.Interface
	exec   dataplane.Executor
	engine *replication.Engine
}

// NewReconciler returns the reconciler of ReplicatedStatefulSets.
func NewReconciler(sets listers.ReplicatedStatefulSetLister, client versioned.Interface, exec dataplane.Executor, engine *replication.Engine) *Reconciler {
	return &Reconciler{sets: sets, client: client, exec: exec, engine: engine}
}

// Reconcile runs one pass of the set named by key.
func (r *Reconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	rss, err := r.sets.ReplicatedStatefulSets(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		r.engine.Forget(Kind, key.Namespace, key.Name)
		return controller.Result{}, nil
	} else if err != nil {
		return controller.Result{}, fmt.Errorf("reading %s: %w", key, err)
	}
	if rss.DeletionTimestamp != nil {
		// Owned pods and services go with the set through garbage collection.
		return controller.Result{}, nil
	}
	s, err := newSet(rss, r.exec, r.client)
	if err != nil {
		return controller.Result{}, err
	}
	resync, err := r.engine.Pass(ctx, s)
	return controller.Result{Resync: resync}, err
}

// Forget drops what the engine remembers of a deleted set.
func (r *Reconciler) Forget(key controller.Key) {
	r.engine.Forget(Kind, key.Namespace, key.Name)
}
