package vitess

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// ClusterReconciler runs the passes of VitessClusters: it renders and applies
// the cluster's cells, keyspaces and shards, removes the ones no longer asked
// for when that is safe, and rolls their status up.
type ClusterReconciler struct {
	d         Deps
	apply     appliers
	clusters  vtlisters.VitessClusterLister
	cells     vtlisters.VitessCellLister
	keyspaces vtlisters.VitessKeyspaceLister
	shards    vtlisters.VitessShardLister
	services  corelisters.ServiceLister
}

// NewClusterReconciler returns the reconciler of VitessClusters.
func NewClusterReconciler(d Deps) *ClusterReconciler {
	vt := d.Informers.Vitess.Vitess().V1alpha1()
	return &ClusterReconciler{d: d, apply: newAppliers(d.Informers, d.Kube, d.Client),
		clusters: vt.VitessClusters().Lister(), cells: vt.VitessCells().Lister(),
		keyspaces: vt.VitessKeyspaces().Lister(), shards: vt.VitessShards().Lister(),
		services: d.Informers.Kube.Core().V1().Services().Lister()}
}

// Reconcile runs one pass of a cluster.
func (r *ClusterReconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	vc, err := r.clusters.VitessClusters(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	} else if err != nil {
		return controller.Result{}, err
	}
	if vc.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	resync := controller.Result{}
	if vc.Spec.ReconcileInterval != nil {
		resync.Resync = vc.Spec.ReconcileInterval.Duration
	}
	children, err := Render(vc)
	if err != nil {
		r.d.Recorder.Eventf(vc, corev1.EventTypeWarning, "InvalidSpec", "%v", err)
		return resync, r.writeStatus(ctx, vc, rollup{refused: err.Error()})
	}
	retained, err := r.applyChildren(ctx, vc, children)
	if err != nil {
		return resync, err
	}
	return resync, r.writeStatus(ctx, vc, r.roll(vc, children, retained))
}

// applyChildren applies the rendered children and removes the ones no
// longer rendered. It returns the shards kept because they still hold tablets.
func (r *ClusterReconciler) applyChildren(ctx context.Context, vc *v1alpha1.VitessCluster, ch Children) ([]string, error) {
	owner := k8s.ControllerRef(vc, v1alpha1.SchemeGroupVersion.WithKind("VitessCluster"))
	if err := k8s.ApplyService(ctx, r.d.Kube, r.services, RenderVtctldService(vc, owner)); err != nil {
		return nil, err
	}
	for _, c := range ch.Cells {
		if _, err := r.apply.cells.Apply(ctx, c, c.Spec); err != nil {
			return nil, err
		}
	}
	for _, ks := range ch.Keyspaces {
		if _, err := r.apply.keyspaces.Apply(ctx, ks, ks.Spec); err != nil {
			return nil, err
		}
		have, err := r.keyspaces.VitessKeyspaces(ks.Namespace).Get(ks.Name)
		if err != nil {
			continue // just created: its shards follow on the event of its creation
		}
		ksOwner := k8s.ControllerRef(have, v1alpha1.SchemeGroupVersion.WithKind("VitessKeyspace"))
		for _, s := range ch.Shards[ks.Name] {
			s.OwnerReferences = []metav1.OwnerReference{ksOwner}
			if _, err := r.apply.shards.Apply(ctx, s, s.Spec); err != nil {
				return nil, err
			}
		}
	}
	return r.removeStale(ctx, vc, ch)
}

// removeStale deletes children the spec no longer asks for. A shard that
// still has tablet pods is kept and reported: deleting it would take its
// tablets and the data they serve with it; drain it first (move its data
// with Vitess's workflows) and scale it down. A keyspace is kept while it
// has shards; a cell while a kept shard runs tablets in it.
func (r *ClusterReconciler) removeStale(ctx context.Context, vc *v1alpha1.VitessCluster, ch Children) ([]string, error) {
	sel := labels.SelectorFromSet(labels.Set{LabelCluster: vc.Name})
	want := map[string]bool{}
	for _, shards := range ch.Shards {
		for _, s := range shards {
			want[s.Name] = true
		}
	}
	shards, err := r.shards.VitessShards(vc.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	var retained []string
	keptKeyspaces := map[string]bool{}
	for _, s := range shards {
		if want[s.Name] || s.DeletionTimestamp != nil {
			continue
		}
		if s.Status.Replicas > 0 {
			retained = append(retained, s.Spec.Keyspace+"/"+s.Spec.Name)
			keptKeyspaces[KeyspaceObjectName(vc.Name, s.Spec.Keyspace)] = true
			continue
		}
		if err := r.d.Client.VitessV1alpha1().VitessShards(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	wantKs := map[string]bool{}
	for _, ks := range ch.Keyspaces {
		wantKs[ks.Name] = true
	}
	keyspaces, err := r.keyspaces.VitessKeyspaces(vc.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	for _, ks := range keyspaces {
		if wantKs[ks.Name] || keptKeyspaces[ks.Name] || ks.DeletionTimestamp != nil {
			continue
		}
		if err := r.d.Client.VitessV1alpha1().VitessKeyspaces(ks.Namespace).Delete(ctx, ks.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	wantCells := map[string]bool{}
	for _, c := range ch.Cells {
		wantCells[c.Name] = true
	}
	cells, err := r.cells.VitessCells(vc.Namespace).List(sel)
	if err != nil {
		return nil, err
	}
	for _, c := range cells {
		if wantCells[c.Name] || c.DeletionTimestamp != nil || len(retained) > 0 {
			continue
		}
		if err := r.d.Client.VitessV1alpha1().VitessCells(c.Namespace).Delete(ctx, c.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	sort.Strings(retained)
	return retained, nil
}

// rollup is the cluster's status as a pass computes it.
type rollup struct {
	cells, readyCells, shards, readyShards int32
	waiting                                []string
	retained                               []string
	refused                                string
}

// roll reads the status of the children the cluster asks for.
func (r *ClusterReconciler) roll(vc *v1alpha1.VitessCluster, ch Children, retained []string) rollup {
	ru := rollup{retained: retained}
	for _, c := range ch.Cells {
		ru.cells++
		if have, err := r.cells.VitessCells(vc.Namespace).Get(c.Name); err == nil && have.Status.Phase == common.PhaseReady {
			ru.readyCells++
		} else {
			ru.waiting = append(ru.waiting, "cell "+c.Spec.Name)
		}
	}
	for _, shards := range ch.Shards {
		for _, s := range shards {
			ru.shards++
			if have, err := r.shards.VitessShards(vc.Namespace).Get(s.Name); err == nil && have.Status.Phase == common.PhaseReady {
				ru.readyShards++
			} else {
				ru.waiting = append(ru.waiting, "shard "+s.Spec.Keyspace+"/"+s.Spec.Name)
			}
		}
	}
	sort.Strings(ru.waiting)
	return ru
}

// writeStatus records the roll-up: Ready when every cell and shard is.
func (r *ClusterReconciler) writeStatus(ctx context.Context, vc *v1alpha1.VitessCluster, ru rollup) error {
	ready := ru.refused == "" && len(ru.waiting) == 0 && ru.cells > 0
	var msgs []string
	if ru.refused != "" {
		msgs = append(msgs, ru.refused)
	}
	if len(ru.waiting) > 0 {
		msgs = append(msgs, "not ready: "+strings.Join(ru.waiting, ", "))
	}
	if len(ru.retained) > 0 {
		msgs = append(msgs, "kept until drained, since they still run tablets: "+strings.Join(ru.retained, ", "))
	}
	msg := strings.Join(msgs, "; ")
	phase := nextPhase(ready, vc.Status.Phase)
	switch {
	case vc.Spec.Paused:
		phase = common.PhasePaused
	case ru.refused != "":
		phase = common.PhaseDegraded
	}
	upd := vc.DeepCopy()
	upd.Status.Cells, upd.Status.ReadyCells = ru.cells, ru.readyCells
	upd.Status.Shards, upd.Status.ReadyShards = ru.shards, ru.readyShards
	changed := setStatus(&upd.Status.ObjectStatus, vc.Generation, phase,
		readiness(ready, phase, msg, fmt.Sprintf("%d cells and %d shards ready", ru.readyCells, ru.readyShards))...)
	if !changed && upd.Status.Cells == vc.Status.Cells && upd.Status.ReadyCells == vc.Status.ReadyCells &&
		upd.Status.Shards == vc.Status.Shards && upd.Status.ReadyShards == vc.Status.ReadyShards {
		return nil
	}
	_, err := r.d.Client.VitessV1alpha1().VitessClusters(upd.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return nil
	}
	return err
}
