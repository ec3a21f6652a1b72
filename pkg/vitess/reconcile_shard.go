package vitess

import (
	"context"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// ShardReconciler runs the passes of VitessShards on the replication engine.
type ShardReconciler struct {
	d         Deps
	apply     appliers
	engine    *replication.Engine
	shards    vtlisters.VitessShardLister
	clusters  vtlisters.VitessClusterLister
	keyspaces vtlisters.VitessKeyspaceLister
	cells     vtlisters.VitessCellLister
	pods      replication.SetPods
	status    k8s.StatusWriter[*v1alpha1.VitessShard]
	backups   *backups
	announce  *announcer
}

// NewShardReconciler returns the reconciler of VitessShards. The pod informer
// of d must have replication.PodIndexers, as the engine's does.
func NewShardReconciler(d Deps, engine *replication.Engine) *ShardReconciler {
	vt := d.Informers.Vitess.Vitess().V1alpha1()
	return &ShardReconciler{d: d, apply: newAppliers(d), engine: engine,
		shards: vt.VitessShards().Lister(), keyspaces: vt.VitessKeyspaces().Lister(), cells: vt.VitessCells().Lister(),
		clusters: vt.VitessClusters().Lister(),
		pods:     replication.NewSetPods(d.Informers.Kube.Core().V1().Pods().Informer().GetIndexer()),
		status: k8s.NewStatusWriter(d.Client.VitessV1alpha1().VitessShards,
			func(o *v1alpha1.VitessShard) any {
				return []any{o.Status.ObjectStatus, o.Status.ReplicatedStatus, o.Status.Backups}
			}),
		backups:  newBackups(d.Exec, d.Informers.Kube.Core().V1().Pods().Lister(), d.Recorder),
		announce: newAnnouncer(d.Recorder)}
}

// Reconcile runs one pass of a shard.
func (r *ShardReconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	shard, err := r.shards.VitessShards(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		r.engine.Forget(ShardKind, key.Namespace, key.Name)
		return controller.Result{}, nil
	} else if err != nil {
		return controller.Result{}, err
	}
	if shard.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	if !shard.Spec.Paused && clusterPaused(r.clusters, shard.Namespace, shard.Spec.Cluster) {
		// The engine reads the pause from the spec; this copy is never written.
		shard = shard.DeepCopy()
		shard.Spec.Paused = true
	}
	pods, err := r.pods.List(shard.Namespace, ShardKind, shard.Name)
	if err != nil {
		return controller.Result{}, fmt.Errorf("listing the tablet pods of %s: %w", shard.Name, err)
	}
	set, err := newShardSet(shard, r.d.Exec, r.status, r.blocked(shard), pods)
	if err != nil {
		return controller.Result{}, err
	}
	set.refused = ValidateShard(shard)
	r.announce.switchoverTarget(shard, set.preferredPrimary() != nil)
	if set.refused == "" && !shard.Spec.Paused {
		pdb := shardPDB(shard, set.ownerRef())
		if _, err := r.apply.pdbs.Apply(ctx, pdb, pdb.Spec); k8s.IsRefusal(err) {
			// Reported in status and as an event by the engine's pass.
			set.refused = "metadata.name: cannot make the shard's PodDisruptionBudget: " + err.Error()
		} else if err != nil {
			return controller.Result{}, err
		}
	}
	// Backups act only on a shard the engine acts on; their status is
	// written with the engine's report.
	act := set.refused == "" && set.blocked == "" && !shard.Spec.Paused
	var due time.Duration
	set.backups, set.busy, due = r.backups.pass(ctx, shard, act)
	resync, err := r.engine.Pass(ctx, set)
	next := resync
	if next == 0 {
		next = replication.ReconcileInterval(shard.Spec.ReconcileInterval)
	}
	if due > 0 && due < next {
		// The pass that takes a scheduled backup comes when it is due, not
		// at the next safety-net tick.
		resync = due
	}
	if b := set.backups; b != nil && b.Waiting == waitingForReady && set.reportedPhase == common.PhaseReady {
		// The backup waited for the Ready this pass reported: take it now.
		controller.Waker(ctx)()
	}
	return controller.Result{Resync: resync}, err
}

// Forget drops what the engine and the status writer remember of a
// deleted shard.
func (r *ShardReconciler) Forget(key controller.Key) {
	r.engine.Forget(ShardKind, key.Namespace, key.Name)
	r.status.Forget(key.Namespace, key.Name)
	r.backups.forget(key.Namespace, key.Name)
	r.announce.forget(key.Namespace, key.Name)
}

// blocked says what the shard waits for before its tablets can start: its
// keyspace and its cells in the topology.
func (r *ShardReconciler) blocked(s *v1alpha1.VitessShard) string {
	// A shard's spec belongs to its VitessCluster, which restores it; the
	// engine must not act on an edit in the meantime (kubectl scale vts to
	// 0 would stop every tablet, and delete claims under whenScaled: Delete).
	if metav1.GetControllerOf(s) != nil {
		if editor := k8s.SpecEditedSince(s); editor != "" {
			return "spec edited by " + editor + ", not by the VitessCluster that owns it; waiting for the cluster to restore it (edit the VitessCluster instead)"
		}
	}
	var waits []string
	ks, err := r.keyspaces.VitessKeyspaces(s.Namespace).Get(KeyspaceObjectName(s.Spec.Cluster, s.Spec.Keyspace))
	if err != nil || !isTrue(ks.Status.Conditions, ConditionRegistered) {
		waits = append(waits, "keyspace "+s.Spec.Keyspace)
	}
	for _, c := range s.Spec.Cells {
		cell, err := r.cells.VitessCells(s.Namespace).Get(CellObjectName(s.Spec.Cluster, c))
		if err != nil || !isTrue(cell.Status.Conditions, ConditionRegistered) {
			waits = append(waits, "cell "+c)
		}
	}
	if len(waits) == 0 {
		return ""
	}
	return "waiting for " + strings.Join(waits, ", ") + " to be in the topology"
}
