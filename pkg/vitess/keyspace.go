package vitess

import (
	"context"
	"fmt"
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
)

// KeyspaceReconciler runs the passes of VitessKeyspaces: it creates the
// keyspace in the topology and rolls its shards' status up.
type KeyspaceReconciler struct {
	d         Deps
	keyspaces vtlisters.VitessKeyspaceLister
	cells     vtlisters.VitessCellLister
	shards    vtlisters.VitessShardLister
	pods      corelisters.PodLister
}

// NewKeyspaceReconciler returns the reconciler of VitessKeyspaces.
func NewKeyspaceReconciler(d Deps) *KeyspaceReconciler {
	vt := d.Informers.Vitess.Vitess().V1alpha1()
	return &KeyspaceReconciler{d: d, keyspaces: vt.VitessKeyspaces().Lister(), cells: vt.VitessCells().Lister(),
		shards: vt.VitessShards().Lister(), pods: d.Informers.Kube.Core().V1().Pods().Lister()}
}

// Reconcile runs one pass of a keyspace.
func (r *KeyspaceReconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	ks, err := r.keyspaces.VitessKeyspaces(key.Namespace).Get(key.Name)
	if apierrors.IsNotFound(err) {
		return controller.Result{}, nil
	} else if err != nil {
		return controller.Result{}, err
	}
	if ks.DeletionTimestamp != nil {
		return controller.Result{}, nil
	}
	registered, regMsg := r.register(ctx, ks)
	durability, durMsg := r.applyDurability(ctx, ks, registered)
	if durMsg != "" {
		regMsg = strings.TrimPrefix(regMsg+"; "+durMsg, "; ")
	}
	sel := labels.SelectorFromSet(labels.Set{LabelCluster: ks.Spec.Cluster, LabelKeyspace: ks.Spec.Name})
	shards, err := r.shards.VitessShards(ks.Namespace).List(sel)
	if err != nil {
		return controller.Result{}, err
	}
	var notReady []string
	readyShards := int32(0)
	for _, s := range shards {
		if s.Status.Phase == common.PhaseReady {
			readyShards++
		} else {
			notReady = append(notReady, s.Spec.Name)
		}
	}
	want := int32(len(ks.Spec.Shards))
	ready := registered && readyShards == want && int32(len(shards)) == want
	msg := regMsg
	if len(notReady) > 0 {
		msg = strings.TrimPrefix(msg+"; shards not running: "+strings.Join(notReady, ", "), "; ")
	}
	phase := nextPhase(ready, ks.Status.Phase)
	upd := ks.DeepCopy()
	upd.Status.Shards, upd.Status.ReadyShards, upd.Status.DurabilityPolicy = want, readyShards, durability
	conds := append(readiness(ready, phase, msg, fmt.Sprintf("%d of %d shards running", readyShards, want)),
		condition(ConditionRegistered, registered, "Topology", orDefault(regMsg, "the keyspace is in the topology")))
	changed := setStatus(&upd.Status.ObjectStatus, ks.Generation, phase, conds...)
	if changed || upd.Status.Shards != ks.Status.Shards || upd.Status.ReadyShards != ks.Status.ReadyShards ||
		upd.Status.DurabilityPolicy != ks.Status.DurabilityPolicy {
		if _, err := r.d.Client.VitessV1alpha1().VitessKeyspaces(upd.Namespace).UpdateStatus(ctx, upd, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
			return controller.Result{}, fmt.Errorf("writing status: %w", err)
		}
	}
	return controller.Result{}, nil
}

// register creates the keyspace in the topology once the global topology
// runs; --force makes it a no-op for a keyspace that exists.
func (r *KeyspaceReconciler) register(ctx context.Context, ks *v1alpha1.VitessKeyspace) (bool, string) {
	if isTrue(ks.Status.Conditions, ConditionRegistered) {
		return true, ""
	}
	global, err := r.cells.VitessCells(ks.Namespace).Get(CellObjectName(ks.Spec.Cluster, v1alpha1.GlobalCellName))
	if err != nil || !isTrue(global.Status.Conditions, ConditionRegistered) {
		return false, "waiting for the global topology before creating the keyspace"
	}
	cmd, args := CreateKeyspaceCommand(ks)
	if err := runVtctld(ctx, r.d.Exec, r.pods, ks.Namespace, ks.Spec.Cluster, cmd, args...); err != nil {
		return false, "creating the keyspace: " + err.Error()
	}
	r.d.Recorder.Eventf(ks, corev1.EventTypeNormal, "Registered", "created keyspace %s in the topology", ks.Spec.Name)
	return true, ""
}

// CreateKeyspaceCommand is the vtctldclient command that creates a keyspace;
// --force makes it succeed for a keyspace that exists.
func CreateKeyspaceCommand(ks *v1alpha1.VitessKeyspace) (string, []string) {
	return "CreateKeyspace", []string{"--force", "--durability-policy=" + ks.Spec.DurabilityPolicy, ks.Spec.Name}
}

// SetDurabilityCommand is the vtctldclient command that sets a keyspace's
// durability policy: CreateKeyspace leaves an existing keyspace's alone.
func SetDurabilityCommand(ks *v1alpha1.VitessKeyspace) (string, []string) {
	return "SetKeyspaceDurabilityPolicy", []string{"--durability-policy=" + ks.Spec.DurabilityPolicy, ks.Spec.Name}
}

// applyDurability sets the keyspace's durability policy in the topology
// when it differs from the one last set, and returns the policy in force.
// Vitess applies a new policy to the tablets at the next reparent.
func (r *KeyspaceReconciler) applyDurability(ctx context.Context, ks *v1alpha1.VitessKeyspace, registered bool) (string, string) {
	want := ks.Spec.DurabilityPolicy
	if !registered || want == "" || ks.Status.DurabilityPolicy == want {
		return ks.Status.DurabilityPolicy, ""
	}
	cmd, args := SetDurabilityCommand(ks)
	if err := runVtctld(ctx, r.d.Exec, r.pods, ks.Namespace, ks.Spec.Cluster, cmd, args...); err != nil {
		return ks.Status.DurabilityPolicy, "setting durability policy " + want + ": " + err.Error()
	}
	r.d.Recorder.Eventf(ks, corev1.EventTypeNormal, "DurabilitySet", "durability policy of keyspace %s is %s", ks.Spec.Name, want)
	return want, ""
}
