package vitess

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appslisters "k8s.io/client-go/listers/apps/v1"
	autoscalinglisters "k8s.io/client-go/listers/autoscaling/v2"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// CellReconciler runs the passes of VitessCells: it runs the cell's etcd,
// vtctld and vtgate, and registers the cell in the topology.
type CellReconciler struct {
	d        Deps
	apply    appliers
	status   k8s.StatusWriter[*v1alpha1.VitessCell]
	topo     topoCommands
	cells    vtlisters.VitessCellLister
	clusters vtlisters.VitessClusterLister
	services corelisters.ServiceLister
	sts      appslisters.StatefulSetLister
	deploys  appslisters.DeploymentLister
	hpas     autoscalinglisters.HorizontalPodAutoscalerLister
}

// NewCellReconciler returns the reconciler of VitessCells.
func NewCellReconciler(d Deps) *CellReconciler {
	return &CellReconciler{
		d:        d,
		apply:    newAppliers(d),
		status:   k8s.NewStatusWriter(d.Client.VitessV1alpha1().VitessCells, func(o *v1alpha1.VitessCell) any { return &o.Status }),
		topo:     topoCommands{exec: d.Exec, pods: d.Informers.Kube.Core().V1().Pods().Lister()},
		cells:    d.Informers.Vitess.Vitess().V1alpha1().VitessCells().Lister(),
		clusters: d.Informers.Vitess.Vitess().V1alpha1().VitessClusters().Lister(),
		services: d.Informers.Kube.Core().V1().Services().Lister(),
		sts:      d.Informers.Kube.Apps().V1().StatefulSets().Lister(),
		deploys:  d.Informers.Kube.Apps().V1().Deployments().Lister(),
		hpas:     d.Informers.Kube.Autoscaling().V2().HorizontalPodAutoscalers().Lister(),
	}
}

// Reconcile runs one pass of a cell.
func (r *CellReconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	cell, ok, err := live(r.cells.VitessCells(key.Namespace).Get, key.Name)
	if !ok {
		return controller.Result{}, err
	}
	if clusterPaused(r.clusters, cell.Namespace, cell.Spec.Cluster) {
		return controller.Result{}, writePaused(ctx, r.status, cell, func(o *v1alpha1.VitessCell) *common.ObjectStatus { return &o.Status.ObjectStatus })
	}
	if err := r.applyComponents(ctx, cell, controllerRef(cell, CellKind)); k8s.IsRefusal(err) {
		// A name taken by an object the cell does not own, or refused as
		// invalid: say so, and wait for a change instead of retrying.
		r.d.Recorder.Eventf(cell, corev1.EventTypeWarning, "NameTaken", "%v", err)
		_, err := r.status.Write(ctx, cell, cellState{refused: err.Error()}.apply)
		return controller.Result{}, err
	} else if err != nil {
		return controller.Result{}, err
	}
	lockReady, lockMsg := r.lockserverReady(cell)
	cs := cellState{
		lockReady: lockReady,
		lockMsg:   lockMsg,
		vtctld:    r.available(cell, cell.Spec.Vtctld != nil, VtctldName(cell.Spec.Cluster, cell.Spec.Name)),
		vtgate:    r.available(cell, cell.Spec.Vtgate != nil, VtgateName(cell.Spec.Cluster, cell.Spec.Name)),
		selector:  vtgateSelector(cell),
	}
	cs.registered, cs.regMsg = r.register(ctx, cell, lockReady)
	_, err = r.status.Write(ctx, cell, cs.apply)
	return controller.Result{}, err
}

// cellState is what a pass of a cell found.
type cellState struct {
	lockReady      bool
	lockMsg        string
	vtctld, vtgate availability
	// selector selects the vtgate pods, for the scale subresource.
	selector   string
	registered bool
	regMsg     string
	// refused says why the cell's components cannot be made; "" when they can.
	refused string
}

// apply writes the cell's status: Ready when its lockserver, vtctld and
// vtgate serve and it is in the topology.
func (cs cellState) apply(next *v1alpha1.VitessCell) {
	next.Status.LockserverReady = cs.lockReady
	next.Status.VtctldReadyReplicas, next.Status.VtgateReadyReplicas = cs.vtctld.ready, cs.vtgate.ready
	next.Status.VtgateReplicas, next.Status.VtgateSelector = cs.vtgate.replicas, cs.selector
	ready := cs.refused == "" && cs.lockReady && cs.vtctld.ok && cs.vtgate.ok && cs.registered
	var problems []string
	for _, p := range []string{cs.refused, cs.lockMsg, cs.vtctld.msg, cs.vtgate.msg, cs.regMsg} {
		if p != "" {
			problems = append(problems, p)
		}
	}
	msg := strings.Join(problems, "; ")
	phase := nextPhase(ready, next.Status.Phase)
	if cs.refused != "" {
		phase = common.PhaseDegraded
	}
	conds := append(readiness(ready, phase, msg, "lockserver, vtctld and vtgate ready; cell registered"),
		condition(ConditionRegistered, cs.registered, "Topology", orDefault(cs.regMsg, "the cell is in the topology")))
	k8s.SetObjectStatus(&next.Status.ObjectStatus, next.Generation, phase, conds...)
}

// applyComponents creates or updates the cell's etcd, vtctld and vtgate.
// lockserverClaims is what becomes of the etcd claims of cell: they go
// with the cell's etcd when the cluster's claims go with the cluster
// (persistentVolumeClaimRetentionPolicy.whenDeleted: Delete), and are kept
// otherwise, as the tablets' are. A cell whose cluster cannot be read keeps
// them.
func (r *CellReconciler) lockserverClaims(cell *v1alpha1.VitessCell) *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy {
	keep := &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.RetainPersistentVolumeClaimRetentionPolicyType, WhenScaled: appsv1.RetainPersistentVolumeClaimRetentionPolicyType}
	vc, err := r.clusters.VitessClusters(cell.Namespace).Get(cell.Spec.Cluster)
	if err != nil || vc.Spec.PersistentVolumeClaimRetentionPolicy == nil ||
		vc.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted != common.RetentionDelete {
		return keep
	}
	keep.WhenDeleted = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	return keep
}

func (r *CellReconciler) applyComponents(ctx context.Context, cell *v1alpha1.VitessCell, owner metav1.OwnerReference) error {
	if cell.Spec.Etcd != nil {
		e := RenderEtcd(cell, owner)
		e.StatefulSet.Spec.PersistentVolumeClaimRetentionPolicy = r.lockserverClaims(cell)
		for _, svc := range []*corev1.Service{e.Peers, e.Client} {
			if err := k8s.ApplyService(ctx, r.d.Kube, r.services, svc); err != nil {
				return err
			}
		}
		if _, err := r.apply.statefulSets.Apply(ctx, e.StatefulSet, e.StatefulSet.Spec); err != nil {
			return err
		}
		if _, err := r.apply.pdbs.Apply(ctx, e.PDB, e.PDB.Spec); err != nil {
			return err
		}
		if _, err := r.apply.netpols.Apply(ctx, e.Policy, e.Policy.Spec); err != nil {
			return err
		}
	}
	if cell.Spec.Vtctld != nil {
		d := RenderVtctld(cell, owner)
		if _, err := r.apply.deployments.Apply(ctx, d, d.Spec); err != nil {
			return err
		}
	}
	if cell.Spec.Vtgate != nil {
		d, svc := RenderVtgate(cell, owner)
		if err := k8s.ApplyService(ctx, r.d.Kube, r.services, svc); err != nil {
			return err
		}
		if _, err := r.apply.deployments.Apply(ctx, d, d.Spec); err != nil {
			return err
		}
	}
	return r.applyAutoscaler(ctx, cell, owner)
}

// lockserverReady reports whether the cell's own etcd serves: a quorum of
// its members is ready (an etcd that lost a member, with its node, still
// serves, and its StatefulSet cannot replace a pod a dead kubelet never
// confirms gone). Fewer than all is said in the message. A cell without an
// etcd relies on the global lockserver or an external one.
func (r *CellReconciler) lockserverReady(cell *v1alpha1.VitessCell) (bool, string) {
	if cell.Spec.Etcd == nil {
		return true, ""
	}
	name := EtcdName(cell.Spec.Cluster, cell.Spec.Name)
	sts, err := r.sts.StatefulSets(cell.Namespace).Get(name)
	if err != nil {
		return false, "etcd " + name + " not created yet"
	}
	want := int32(1)
	if sts.Spec.Replicas != nil {
		want = *sts.Spec.Replicas
	}
	switch ready := sts.Status.ReadyReplicas; {
	case ready < want/2+1:
		return false, fmt.Sprintf("etcd %s: %d of %d members ready, below its quorum of %d", name, ready, want, want/2+1)
	case ready < want:
		return true, fmt.Sprintf("etcd %s: %d of %d members ready (a quorum serves)", name, ready, want)
	}
	return true, ""
}

// availability is whether a server the cell asks for serves, how many of
// its replicas are ready and exist, and what is missing.
type availability struct {
	ok       bool
	ready    int32
	replicas int32
	msg      string
}

// available reports whether a Deployment the cell asks for serves: rolled
// out, with at least one replica ready. Fewer than asked is said in the
// message: a vtgate lost with its node keeps the cell serving while its
// Deployment replaces it.
func (r *CellReconciler) available(cell *v1alpha1.VitessCell, wanted bool, name string) availability {
	if !wanted {
		return availability{ok: true}
	}
	d, err := r.deploys.Deployments(cell.Namespace).Get(name)
	if err != nil {
		return availability{msg: name + " not created yet"}
	}
	want := int32(1)
	if d.Spec.Replicas != nil {
		want = *d.Spec.Replicas
	}
	ready, replicas := d.Status.ReadyReplicas, d.Status.Replicas
	switch {
	case !deploymentCurrent(d) || (ready == 0 && want > 0):
		return availability{ready: ready, replicas: replicas, msg: fmt.Sprintf("%s: %d of %d ready", name, ready, want)}
	case ready < want:
		return availability{ok: true, ready: ready, replicas: replicas, msg: fmt.Sprintf("%s: %d of %d ready (serving)", name, ready, want)}
	}
	return availability{ok: true, ready: ready, replicas: replicas}
}

// deploymentCurrent reports whether the Deployment controller has rolled out
// the latest template.
func deploymentCurrent(d *appsv1.Deployment) bool {
	return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == d.Status.Replicas
}

// register adds the cell to the topology once its lockserver runs. The
// global cell holds the global topology itself and needs no CellInfo.
func (r *CellReconciler) register(ctx context.Context, cell *v1alpha1.VitessCell, lockReady bool) (bool, string) {
	if isTrue(cell.Status.Conditions, ConditionRegistered) {
		return true, ""
	}
	if !lockReady {
		return false, "waiting for the lockserver before registering the cell"
	}
	if cell.Spec.Name == v1alpha1.GlobalCellName {
		return true, ""
	}
	t := cell.Spec.Topology
	cmd, args := AddCellInfoCommand(cell)
	if err := r.topo.run(ctx, cell.Namespace, cell.Spec.Cluster, cmd, args...); err != nil {
		return false, "registering the cell: " + err.Error()
	}
	r.d.Recorder.Eventf(cell, corev1.EventTypeNormal, "Registered", "added cell %s to the topology at %s%s", cell.Spec.Name, t.CellServerAddress, t.CellRoot)
	return true, ""
}

// Forget drops what the status writer remembers of a deleted cell.
func (r *CellReconciler) Forget(key controller.Key) { r.status.Forget(key.Namespace, key.Name) }
