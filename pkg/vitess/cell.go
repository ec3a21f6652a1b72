package vitess

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// Deps are what the Vitess reconcilers share.
type Deps struct {
	Informers *controller.Informers
	Kube      kubernetes.Interface
	Client    versioned.Interface
	Exec      dataplane.Executor
	Recorder  record.EventRecorder
}

// CellReconciler runs the passes of VitessCells: it runs the cell's etcd,
// vtctld and vtgate, and registers the cell in the topology.
type CellReconciler struct {
	d        Deps
	apply    appliers
	cells    vtlisters.VitessCellLister
	pods     corelisters.PodLister
	services corelisters.ServiceLister
	sts      appslisters.StatefulSetLister
	deploys  appslisters.DeploymentLister
}

// NewCellReconciler returns the reconciler of VitessCells.
func NewCellReconciler(d Deps) *CellReconciler {
	return &CellReconciler{
		d:        d,
		apply:    newAppliers(d.Informers, d.Kube, d.Client),
		cells:    d.Informers.Vitess.Vitess().V1alpha1().VitessCells().Lister(),
		pods:     d.Informers.Kube.Core().V1().Pods().Lister(),
		services: d.Informers.Kube.Core().V1().Services().Lister(),
		sts:      d.Informers.Kube.Apps().V1().StatefulSets().Lister(),
		deploys:  d.Informers.Kube.Apps().V1().Deployments().Lister(),
	}
}

// Reconcile runs one pass of a cell.
func (r *CellReconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	cell, err := r.cells.VitessCells(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	} else if err != nil {
		return controller.Result{}, err
	}
	if cell.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	owner := k8s.ControllerRef(cell, v1alpha1.SchemeGroupVersion.WithKind("VitessCell"))
	if err := r.applyComponents(ctx, cell, owner); err != nil {
		return controller.Result{}, err
	}
	lockReady, lockMsg := r.lockserverReady(cell)
	vtctld := r.available(cell, cell.Spec.Vtctld != nil, VtctldName(cell.Spec.Cluster, cell.Spec.Name))
	vtgate := r.available(cell, cell.Spec.Vtgate != nil, VtgateName(cell.Spec.Cluster, cell.Spec.Name))
	registered, regMsg := r.register(ctx, cell, lockReady)

	upd := cell.DeepCopy()
	upd.Status.LockserverReady = lockReady
	upd.Status.VtctldReadyReplicas, upd.Status.VtgateReadyReplicas = vtctld.ready, vtgate.ready
	ready := lockReady && vtctld.ok && vtgate.ok && registered
	var problems []string
	for _, p := range []string{lockMsg, vtctld.msg, vtgate.msg, regMsg} {
		if p != "" {
			problems = append(problems, p)
		}
	}
	msg := strings.Join(problems, "; ")
	phase := nextPhase(ready, cell.Status.Phase)
	conds := append(readiness(ready, phase, msg, "lockserver, vtctld and vtgate ready; cell registered"),
		condition(ConditionRegistered, registered, "Topology", orDefault(regMsg, "the cell is in the topology")))
	changed := setStatus(&upd.Status.ObjectStatus, cell.Generation, phase, conds...)
	if changed || upd.Status.LockserverReady != cell.Status.LockserverReady ||
		upd.Status.VtctldReadyReplicas != cell.Status.VtctldReadyReplicas || upd.Status.VtgateReadyReplicas != cell.Status.VtgateReadyReplicas {
		if _, err := r.d.Client.VitessV1alpha1().VitessCells(upd.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
			return controller.Result{}, fmt.Errorf("writing status: %w", err)
		}
	}
	return controller.Result{}, nil
}

// applyComponents creates or updates the cell's etcd, vtctld and vtgate.
func (r *CellReconciler) applyComponents(ctx context.Context, cell *v1alpha1.VitessCell, owner metav1.OwnerReference) error {
	if cell.Spec.Etcd != nil {
		e := RenderEtcd(cell, owner)
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
	return nil
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

type availability struct {
	ok    bool
	ready int32
	msg   string
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
	ready := d.Status.ReadyReplicas
	switch {
	case !deploymentCurrent(d) || (ready == 0 && want > 0):
		return availability{ready: ready, msg: fmt.Sprintf("%s: %d of %d ready", name, ready, want)}
	case ready < want:
		return availability{ok: true, ready: ready, msg: fmt.Sprintf("%s: %d of %d ready (serving)", name, ready, want)}
	}
	return availability{ok: true, ready: ready}
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
	err := runVtctld(ctx, r.d.Exec, r.pods, cell.Namespace, cell.Spec.Cluster, cmd, args...)
	if err != nil {
		return false, "registering the cell: " + err.Error()
	}
	r.d.Recorder.Eventf(cell, corev1.EventTypeNormal, "Registered", "added cell %s to the topology at %s%s", cell.Spec.Name, t.CellServerAddress, t.CellRoot)
	return true, ""
}

// AddCellInfoCommand is the vtctldclient command that registers a cell.
func AddCellInfoCommand(cell *v1alpha1.VitessCell) (string, []string) {
	t := cell.Spec.Topology
	return "AddCellInfo", []string{"--root=" + t.CellRoot, "--server-address=" + t.CellServerAddress, cell.Spec.Name}
}
