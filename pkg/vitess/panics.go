package vitess

import (
	"context"
	"fmt"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// Each reconciler records a panicking pass on its own object's status
// (controller.PanicReporter), through the status writer its passes use.

// ReportPanic marks the cluster Degraded with the panic as the reason.
func (r *ClusterReconciler) ReportPanic(ctx context.Context, key controller.Key, panicked string) error {
	obj, err := r.clusters.VitessClusters(key.Namespace).Get(key.Name)
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	return k8s.MarkPanicked(ctx, obj, r.status, func(o *v1alpha1.VitessCluster) *common.ObjectStatus { return &o.Status.ObjectStatus },
		r.d.Recorder, panicked)
}

// ReportPanic marks the cell Degraded with the panic as the reason.
func (r *CellReconciler) ReportPanic(ctx context.Context, key controller.Key, panicked string) error {
	obj, err := r.cells.VitessCells(key.Namespace).Get(key.Name)
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	return k8s.MarkPanicked(ctx, obj, r.status, func(o *v1alpha1.VitessCell) *common.ObjectStatus { return &o.Status.ObjectStatus },
		r.d.Recorder, panicked)
}

// ReportPanic marks the keyspace Degraded with the panic as the reason.
func (r *KeyspaceReconciler) ReportPanic(ctx context.Context, key controller.Key, panicked string) error {
	obj, err := r.keyspaces.VitessKeyspaces(key.Namespace).Get(key.Name)
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	return k8s.MarkPanicked(ctx, obj, r.status, func(o *v1alpha1.VitessKeyspace) *common.ObjectStatus { return &o.Status.ObjectStatus },
		r.d.Recorder, panicked)
}

// ReportPanic marks the shard Degraded with the panic as the reason.
func (r *ShardReconciler) ReportPanic(ctx context.Context, key controller.Key, panicked string) error {
	obj, err := r.shards.VitessShards(key.Namespace).Get(key.Name)
	if err != nil {
		return fmt.Errorf("reading %s: %w", key, err)
	}
	return k8s.MarkPanicked(ctx, obj, r.status, func(o *v1alpha1.VitessShard) *common.ObjectStatus { return &o.Status.ObjectStatus },
		r.d.Recorder, panicked)
}
