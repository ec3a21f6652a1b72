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
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// ClusterReconciler runs the passes of VitessClusters: it renders and applies
// the cluster's cells, keyspaces and shards, removes the ones no longer asked
// for when that is safe, and rolls their status up.
type ClusterReconciler struct {
	d         Deps
	apply     appliers
	status    k8s.StatusWriter[*v1alpha1.VitessCluster]
	clusters  vtlisters.VitessClusterLister
	cells     vtlisters.VitessCellLister
	keyspaces vtlisters.VitessKeyspaceLister
	shards    vtlisters.VitessShardLister
	services  corelisters.ServiceLister
	claims    corelisters.PersistentVolumeClaimLister
	secrets   *generatedSecrets
	announce  *announcer
}

// NewClusterReconciler returns the reconciler of VitessClusters.
func NewClusterReconciler(d Deps) *ClusterReconciler {
	vt := d.Informers.Vitess.Vitess().V1alpha1()
	return &ClusterReconciler{d: d, apply: newAppliers(d),
		status:   k8s.NewStatusWriter(d.Client.VitessV1alpha1().VitessClusters, func(o *v1alpha1.VitessCluster) any { return &o.Status }),
		clusters: vt.VitessClusters().Lister(), cells: vt.VitessCells().Lister(),
		keyspaces: vt.VitessKeyspaces().Lister(), shards: vt.VitessShards().Lister(),
		services: d.Informers.Kube.Core().V1().Services().Lister(), secrets: newGeneratedSecrets(d.Kube),
		claims:   d.Informers.Kube.Core().V1().PersistentVolumeClaims().Lister(),
		announce: newAnnouncer(d.Recorder)}
}

// Reconcile runs one pass of a cluster.
func (r *ClusterReconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	vc, ok, err := live(r.clusters.VitessClusters(key.Namespace).Get, key.Name)
	if !ok {
		return controller.Result{}, err
	}
	resync := controller.Result{}
	if vc.Spec.ReconcileInterval != nil {
		resync.Resync = replication.ReconcileInterval(vc.Spec.ReconcileInterval)
	}
	children, invalid := Render(vc)
	if invalid != nil {
		return resync, r.refuse(ctx, vc, "InvalidSpec", invalid)
	}
	var retained []string
	if !vc.Spec.Paused {
		// Paused, the cluster neither applies nor deletes a child; its
		// children read the pause themselves (paused.go).
		retained, err = r.applyChildren(ctx, vc, children)
		if k8s.IsRefusal(err) {
			// A child's name is taken by an object the cluster does not own:
			// retrying cannot help, so say so and wait for a change.
			return resync, r.refuse(ctx, vc, "NameTaken", err)
		} else if err != nil {
			return resync, err
		}
	}
	r.announce.ignoredFields(vc)
	r.announce.foreignBackupCredentials(vc)
	ru := r.roll(vc, children, retained)
	var before, after string
	var next *v1alpha1.VitessCluster
	wrote, err := r.status.Write(ctx, vc, func(n *v1alpha1.VitessCluster) {
		before = n.Status.Phase
		ru.apply(n)
		after, next = n.Status.Phase, n
	})
	if wrote {
		r.announce.clusterPhase(next, before, after)
	}
	return resync, err
}

// refuse reports a cluster the operator will not run, or not yet: an event
// with reason, and Degraded status with the error, which names the field or
// the object at fault.
func (r *ClusterReconciler) refuse(ctx context.Context, vc *v1alpha1.VitessCluster, reason string, why error) error {
	r.d.Recorder.Eventf(vc, corev1.EventTypeWarning, reason, "%v", why)
	_, err := r.status.Write(ctx, vc, rollup{refused: why.Error()}.apply)
	return err
}

// applyChildren applies the rendered children and removes the ones no
// longer rendered. It returns the shards kept because they still hold tablets.
func (r *ClusterReconciler) applyChildren(ctx context.Context, vc *v1alpha1.VitessCluster, ch Children) ([]string, error) {
	if err := k8s.ApplyService(ctx, r.d.Kube, r.services, RenderVtctldService(vc, controllerRef(vc, ClusterKind))); err != nil {
		return nil, err
	}
	// The Secret comes before the cells whose vtgates mount it.
	if needsGeneratedAuth(vc) {
		if err := r.secrets.ensureVtgateAuth(ctx, vc, controllerRef(vc, ClusterKind)); err != nil {
			return nil, err
		}
	}
	// The backup store's claim comes before the pods that mount it.
	if err := r.ensureBackupClaim(ctx, vc); err != nil {
		return nil, err
	}
	for _, c := range ch.Cells {
		// An autoscaled cell's vtgate count is left out (cellHashSpec).
		if _, err := r.apply.cells.Apply(ctx, c, cellHashSpec(c.Spec)); err != nil {
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
		ksOwner := controllerRef(have, KeyspaceKind)
		for _, s := range ch.Shards[ks.Name] {
			s.OwnerReferences = []metav1.OwnerReference{ksOwner}
			if err := r.resolveCredentials(ctx, vc, s); err != nil {
				return nil, err
			}
			if _, err := r.apply.shards.Apply(ctx, s, s.Spec); err != nil {
				return nil, err
			}
		}
	}
	return r.removeStale(ctx, vc, ch)
}

// resolveCredentials gives shard s its MySQL credentials Secret
// (keepCredentials), and makes the generated one before the first shard
// whose tablets would mount it.
func (r *ClusterReconciler) resolveCredentials(ctx context.Context, vc *v1alpha1.VitessCluster, s *v1alpha1.VitessShard) error {
	existing, err := r.shards.VitessShards(s.Namespace).Get(s.Name)
	if err != nil {
		existing = nil
	}
	s.Spec.MySQLCredentialsSecret = keepCredentials(vc, s.Spec.MySQLCredentialsSecret, existing)
	if s.Spec.MySQLCredentialsSecret != MySQLCredentialsSecretName(vc.Name) {
		return nil
	}
	return r.secrets.ensureMySQLCredentials(ctx, vc, controllerRef(vc, ClusterKind))
}

// removeStale deletes children the spec no longer asks for. A shard that
// still has tablet pods is kept and reported: deleting it would take its
// tablets and the data they serve with it; drain it first (move its data
// with Vitess's workflows) and scale it down. A keyspace is kept while it
// has shards; a cell while a kept shard runs tablets in it.
func (r *ClusterReconciler) removeStale(ctx context.Context, vc *v1alpha1.VitessCluster, ch Children) ([]string, error) {
	sel := labels.SelectorFromSet(labels.Set{LabelCluster: vc.Name})
	retained, keptKeyspaces, err := r.removeStaleShards(ctx, vc, ch, sel)
	if err != nil {
		return nil, err
	}
	wantKeyspaces, wantCells := names(ch.Keyspaces), names(ch.Cells)
	keyspaces, err := r.keyspaces.VitessKeyspaces(vc.Namespace).List(sel)
	if err != nil {
		return nil, fmt.Errorf("listing the keyspaces of %s: %w", vc.Name, err)
	}
	err = deleteUnwanted(ctx, keyspaces, r.d.Client.VitessV1alpha1().VitessKeyspaces, func(ks *v1alpha1.VitessKeyspace) bool {
		return wantKeyspaces[ks.Name] || keptKeyspaces[ks.Name]
	})
	if err != nil {
		return nil, err
	}
	cells, err := r.cells.VitessCells(vc.Namespace).List(sel)
	if err != nil {
		return nil, fmt.Errorf("listing the cells of %s: %w", vc.Name, err)
	}
	err = deleteUnwanted(ctx, cells, r.d.Client.VitessV1alpha1().VitessCells, func(c *v1alpha1.VitessCell) bool {
		return wantCells[c.Name] || len(retained) > 0
	})
	if err != nil {
		return nil, err
	}
	return retained, nil
}

// removeStaleShards deletes the shards the spec no longer asks for and that
// run no tablets. It returns the ones kept for their tablets, sorted, and
// the keyspaces (by object name) that keeps.
func (r *ClusterReconciler) removeStaleShards(ctx context.Context, vc *v1alpha1.VitessCluster, ch Children,
	sel labels.Selector) ([]string, map[string]bool, error) {
	want := map[string]bool{}
	for _, shards := range ch.Shards {
		for name := range names(shards) {
			want[name] = true
		}
	}
	shards, err := r.shards.VitessShards(vc.Namespace).List(sel)
	if err != nil {
		return nil, nil, fmt.Errorf("listing the shards of %s: %w", vc.Name, err)
	}
	var retained []string
	keptKeyspaces := map[string]bool{}
	err = deleteUnwanted(ctx, shards, r.d.Client.VitessV1alpha1().VitessShards, func(s *v1alpha1.VitessShard) bool {
		if want[s.Name] {
			return true
		}
		if s.Status.Replicas == 0 {
			return false
		}
		retained = append(retained, s.Spec.Keyspace+"/"+s.Spec.Name)
		keptKeyspaces[KeyspaceObjectName(vc.Name, s.Spec.Keyspace)] = true
		return true
	})
	sort.Strings(retained)
	return retained, keptKeyspaces, err
}

// names is the set of the objects' names.
func names[T metav1.Object](objs []T) map[string]bool {
	out := map[string]bool{}
	for _, o := range objs {
		out[o.GetName()] = true
	}
	return out
}

// deleter is a namespaced typed client of one kind, as far as deleting goes.
type deleter interface {
	Delete(ctx context.Context, name string, opts metav1.DeleteOptions) error
}

// deleteUnwanted deletes each object keep refuses, through client, unless it
// is being deleted already; one gone already is as good as deleted.
func deleteUnwanted[T metav1.Object, D deleter](ctx context.Context, objs []T, client func(namespace string) D, keep func(T) bool) error {
	for _, o := range objs {
		if o.GetDeletionTimestamp() != nil || keep(o) {
			continue
		}
		if err := client(o.GetNamespace()).Delete(ctx, o.GetName(), metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting %s: %w", o.GetName(), err)
		}
	}
	return nil
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

// apply writes the roll-up into the cluster's status: Ready when every cell
// and shard is; Paused while paused; Degraded on a spec it cannot run.
func (ru rollup) apply(next *v1alpha1.VitessCluster) {
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
	phase := nextPhase(ready, next.Status.Phase)
	switch {
	case next.Spec.Paused:
		phase = common.PhasePaused
	case ru.refused != "":
		phase = common.PhaseDegraded
	}
	next.Status.Cells, next.Status.ReadyCells = ru.cells, ru.readyCells
	next.Status.Shards, next.Status.ReadyShards = ru.shards, ru.readyShards
	k8s.SetObjectStatus(&next.Status.ObjectStatus, next.Generation, phase,
		readiness(ready, phase, msg, fmt.Sprintf("%d cells and %d shards ready", ru.readyCells, ru.readyShards))...)
}

// Forget drops what the status writer and the Secret maker remember of a
// deleted cluster.
func (r *ClusterReconciler) Forget(key controller.Key) {
	r.status.Forget(key.Namespace, key.Name)
	r.secrets.forget(key.Namespace, key.Name)
	r.announce.forget(key.Namespace, key.Name)
}
