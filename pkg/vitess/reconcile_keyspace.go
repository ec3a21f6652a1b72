package vitess

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// KeyspaceReconciler runs the passes of VitessKeyspaces: it creates the
// keyspace in the topology and rolls its shards' status up.
type KeyspaceReconciler struct {
	d         Deps
	status    k8s.StatusWriter[*v1alpha1.VitessKeyspace]
	topo      topoCommands
	keyspaces vtlisters.VitessKeyspaceLister
	clusters  vtlisters.VitessClusterLister
	cells     vtlisters.VitessCellLister
	shards    vtlisters.VitessShardLister
}

// NewKeyspaceReconciler returns the reconciler of VitessKeyspaces.
func NewKeyspaceReconciler(d Deps) *KeyspaceReconciler {
	vt := d.Informers.Vitess.Vitess().V1alpha1()
	return &KeyspaceReconciler{d: d,
		status:    k8s.NewStatusWriter(d.Client.VitessV1alpha1().VitessKeyspaces, func(o *v1alpha1.VitessKeyspace) any { return &o.Status }),
		topo:      topoCommands{exec: d.Exec, pods: d.Informers.Kube.Core().V1().Pods().Lister()},
		keyspaces: vt.VitessKeyspaces().Lister(), cells: vt.VitessCells().Lister(), shards: vt.VitessShards().Lister(),
		clusters: vt.VitessClusters().Lister()}
}

// Reconcile runs one pass of a keyspace.
func (r *KeyspaceReconciler) Reconcile(ctx context.Context, key controller.Key) (controller.Result, error) {
	ks, ok, err := live(r.keyspaces.VitessKeyspaces(key.Namespace).Get, key.Name)
	if !ok {
		return controller.Result{}, err
	}
	if clusterPaused(r.clusters, ks.Namespace, ks.Spec.Cluster) {
		return controller.Result{}, writePaused(ctx, r.status, ks, func(o *v1alpha1.VitessKeyspace) *common.ObjectStatus { return &o.Status.ObjectStatus })
	}
	if why := ValidateKeyspace(ks); why != "" {
		// Stored before the schema refused it: its name would reach
		// vtctldclient's command line. Say so; register nothing.
		r.d.Recorder.Eventf(ks, corev1.EventTypeWarning, "InvalidSpec", "%s", why)
		_, err := r.status.Write(ctx, ks, keyspaceState{refused: why}.apply)
		return controller.Result{}, err
	}
	st := keyspaceState{}
	st.registered, st.regMsg = r.register(ctx, ks)
	var durMsg string
	st.durability, durMsg = r.applyDurability(ctx, ks, st.registered)
	if durMsg != "" {
		st.regMsg = strings.TrimPrefix(st.regMsg+"; "+durMsg, "; ")
	}
	sel := labels.SelectorFromSet(labels.Set{LabelCluster: ks.Spec.Cluster, LabelKeyspace: ks.Spec.Name})
	if st.shards, err = r.shards.VitessShards(ks.Namespace).List(sel); err != nil {
		return controller.Result{}, fmt.Errorf("listing the shards of %s: %w", ks.Name, err)
	}
	_, err = r.status.Write(ctx, ks, st.apply)
	return controller.Result{}, err
}

// keyspaceState is what a pass of a keyspace found.
type keyspaceState struct {
	registered bool
	// regMsg says why the keyspace is not registered or its durability
	// policy not set.
	regMsg     string
	durability string
	shards     []*v1alpha1.VitessShard
	// refused says why the keyspace is not registered at all; "" when it is.
	refused string
}

// apply writes the keyspace's status: Ready when it is in the topology and
// every shard it asks for runs.
func (st keyspaceState) apply(next *v1alpha1.VitessKeyspace) {
	var notReady []string
	readyShards := int32(0)
	for _, s := range st.shards {
		if s.Status.Phase == common.PhaseReady {
			readyShards++
		} else {
			notReady = append(notReady, s.Spec.Name)
		}
	}
	want := int32(len(next.Spec.Shards))
	ready := st.registered && readyShards == want && int32(len(st.shards)) == want
	regMsg := orDefault(st.refused, st.regMsg)
	msg := regMsg
	if len(notReady) > 0 {
		// The lister's order is a map's: unsorted, the message would change,
		// and the status be written again, on every pass.
		sort.Strings(notReady)
		msg = strings.TrimPrefix(msg+"; shards not running: "+strings.Join(notReady, ", "), "; ")
	}
	phase := nextPhase(ready, next.Status.Phase)
	if st.refused != "" {
		phase = common.PhaseDegraded
	}
	next.Status.Shards, next.Status.ReadyShards, next.Status.DurabilityPolicy = want, readyShards, st.durability
	conds := append(readiness(ready, phase, msg, fmt.Sprintf("%d of %d shards running", readyShards, want)),
		condition(ConditionRegistered, st.registered, "Topology", orDefault(regMsg, "the keyspace is in the topology")))
	k8s.SetObjectStatus(&next.Status.ObjectStatus, next.Generation, phase, conds...)
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
	if err := r.topo.run(ctx, ks.Namespace, ks.Spec.Cluster, cmd, args...); err != nil {
		return false, "creating the keyspace: " + err.Error()
	}
	r.d.Recorder.Eventf(ks, corev1.EventTypeNormal, "Registered", "created keyspace %s in the topology", ks.Spec.Name)
	return true, ""
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
	if err := r.topo.run(ctx, ks.Namespace, ks.Spec.Cluster, cmd, args...); err != nil {
		return ks.Status.DurabilityPolicy, "setting durability policy " + want + ": " + err.Error()
	}
	r.d.Recorder.Eventf(ks, corev1.EventTypeNormal, "DurabilitySet", "durability policy of keyspace %s is %s", ks.Spec.Name, want)
	return want, ""
}

// Forget drops what the status writer remembers of a deleted keyspace.
func (r *KeyspaceReconciler) Forget(key controller.Key) { r.status.Forget(key.Namespace, key.Name) }
