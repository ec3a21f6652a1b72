package rss

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
	listers "github.com/vitess-operator/vitess-operator/pkg/generated/listers/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Deps is what the reconciler is built from.
type Deps struct {
	// Informers serve the ReplicatedStatefulSets.
	Informers *controller.Informers
	// Client writes their status.
	Client versioned.Interface
	// Exec runs the hook commands in member containers.
	Exec dataplane.Executor
	// Recorder records Events on the sets.
	Recorder record.EventRecorder
	// ServiceAccount is the ServiceAccount the operator runs as; a set whose
	// members would run as it is refused.
	ServiceAccount string
}

// Reconciler runs the passes of ReplicatedStatefulSets on the replication
// engine.
type Reconciler struct {
	d      Deps
	engine *replication.Engine
	sets   listers.ReplicatedStatefulSetLister
	status k8s.StatusWriter[*v1alpha1.ReplicatedStatefulSet]
}

// NewReconciler returns the reconciler of ReplicatedStatefulSets.
func NewReconciler(d Deps, engine *replication.Engine) *Reconciler {
	return &Reconciler{d: d, engine: engine,
		sets:   d.Informers.Vitess.Clusterlabs().V1alpha1().ReplicatedStatefulSets().Lister(),
		status: replication.NewReportWriter(d.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets)}
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
	s, err := newSet(rss, r.d.Exec, r.status, r.d.ServiceAccount)
	if err != nil {
		return controller.Result{}, fmt.Errorf("adapting %s: %w", key, err)
	}
	resync, err := r.engine.Pass(ctx, s)
	return controller.Result{Resync: resync}, err
}

// Forget drops what the engine and the status writer remember of a
// deleted set.
func (r *Reconciler) Forget(key controller.Key) {
	r.engine.Forget(Kind, key.Namespace, key.Name)
	r.status.Forget(key.Namespace, key.Name)
}

// ReportPanic marks the set Degraded with the panic of its pass as the
// reason (controller.PanicReporter).
func (r *Reconciler) ReportPanic(ctx context.Context, key controller.Key, panicked string) error {
	obj, err := r.sets.ReplicatedStatefulSets(key.Namespace).Get(key.Name)
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	return k8s.MarkPanicked(ctx, obj, r.status, func(o *v1alpha1.ReplicatedStatefulSet) *common.ObjectStatus {
		return &o.Status.ObjectStatus
	}, r.d.Recorder, panicked)
}
