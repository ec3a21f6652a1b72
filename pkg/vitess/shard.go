package vitess

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// AnnotationPrimary on a VitessShard asks for a planned switchover to the
// named tablet (alias or pod name); the operator moves the primary role
// there once the shard is whole.
const AnnotationPrimary = "vitess.io/primary"

// shardSet adapts one VitessShard to the replication engine.
type shardSet struct {
	shard     *v1alpha1.VitessShard
	tablets   map[int]Tablet
	revisions map[int]string
	driver    *dataplane.Vitess
	client    versioned.Interface
	blocked   string
}

func newShardSet(s *v1alpha1.VitessShard, exec dataplane.Executor, client versioned.Interface, blocked string) (*shardSet, error) {
	set := &shardSet{shard: s, tablets: map[int]Tablet{}, revisions: map[int]string{}, client: client, blocked: blocked}
	set.driver = dataplane.NewVitess(exec, VtctldAddress(s.Spec.Cluster, s.Namespace), s.Spec.Keyspace, s.Spec.Name).
		WithOwned(func(alias string) bool { return ownsAlias(s, alias) })
	pools := map[string]string{}
	for _, pool := range []string{PoolMasterEligible, PoolBatch} {
		rev, err := k8s.Hash(tabletTemplate(s, pool))
		if err != nil {
			return nil, err
		}
		pools[pool] = rev
	}
	for _, t := range Tablets(s) {
		set.tablets[int(t.UID)] = t
		set.revisions[int(t.UID)] = pools[t.Pool]
	}
	return set, nil
}

func (s *shardSet) Object() replication.Object { return s.shard }
func (s *shardSet) Kind() string               { return ShardKind }
func (s *shardSet) Blocked() string            { return s.blocked }
func (s *shardSet) KnownGoodReplicas() int     { return int(s.shard.Status.KnownGoodReplicas) }
func (s *shardSet) Driver() dataplane.Driver   { return s.driver }

// Spec asks for every tablet of the shard, the master-eligible ones
// eligible, and exactly one primary across all cells.
func (s *shardSet) Spec() replication.Spec {
	spec := s.shard.Spec
	desired := map[int]bool{}
	for uid, t := range s.tablets {
		desired[uid] = t.Pool == PoolMasterEligible
	}
	interval := 30 * time.Second
	if spec.ReconcileInterval != nil && spec.ReconcileInterval.Duration > 0 {
		interval = spec.ReconcileInterval.Duration
	}
	policy := spec.PersistentVolumeClaimRetentionPolicy
	var timeouts *common.MemberTimeouts
	if spec.Failover != nil {
		timeouts = &spec.Failover.MemberTimeouts
	}
	return replication.Spec{
		Desired:                 desired,
		Primaries:               1,
		Paused:                  spec.Paused,
		MemberRevisions:         s.revisions,
		ReconcileInterval:       interval,
		DeleteClaimsOnScaleDown: policy != nil && policy.WhenScaled == common.RetentionDelete,
		PlannedSwitchover:       true,
		PreferredPrimary:        s.preferredPrimary(),
		NoRoll:                  spec.UpdateStrategy != nil && spec.UpdateStrategy.Type == v1alpha1.UpdateOnDelete,
		ManualFailover:          spec.Failover != nil && spec.Failover.Mode == v1alpha1.FailoverManual,
		StartupTimeout:          timeouts.StartupOr(replication.DefaultStartupTimeout),
		LostAfter:               timeouts.UnreachableOr(replication.DefaultLostAfter),
		// EmergencyReparentShard moves the shard's primary in the topology,
		// which vtgate routes by, and an old primary that sees the topology
		// again demotes itself (vttablet's shard sync): Vitess isolates a
		// primary the operator cannot reach.
		IsolatesLostPrimary: true,
	}
}

// ownsAlias reports whether alias is one this shard's tablets could carry:
// a cell of the shard and a UID of one of its pools. Only records of its own
// tablets are ever deleted.
func ownsAlias(s *v1alpha1.VitessShard, alias string) bool {
	i := strings.LastIndex(alias, "-")
	if i < 0 {
		return false
	}
	uid, err := strconv.ParseUint(alias[i+1:], 10, 32)
	if err != nil {
		return false
	}
	cell := alias[:i]
	for _, c := range s.Spec.Cells {
		if c != cell {
			continue
		}
		for _, pool := range []string{PoolMasterEligible, PoolBatch} {
			if uint32(uid)-uint32(uid)%100 == TabletUID(cell, s.Spec.Keyspace, s.Spec.Name, pool, 0) {
				return true
			}
		}
	}
	return false
}

// preferredPrimary is the tablet the vitess.io/primary annotation names.
func (s *shardSet) preferredPrimary() *int {
	want := s.shard.Annotations[AnnotationPrimary]
	if want == "" {
		return nil
	}
	for uid, t := range s.tablets {
		if want == TabletAlias(t.Cell, t.UID) || want == s.PodName(uid) {
			return &uid
		}
	}
	return nil
}

func (s *shardSet) PodName(uid int) string {
	if t, ok := s.tablets[uid]; ok {
		return TabletPodName(s.shard.Spec.Cluster, t.Cell, t.UID)
	}
	return fmt.Sprintf("%s-vttablet-%010d", s.shard.Spec.Cluster, uid)
}

func (s *shardSet) ownerRef() metav1.OwnerReference {
	return k8s.ControllerRef(s.shard, v1alpha1.SchemeGroupVersion.WithKind(ShardKind))
}

func (s *shardSet) Pod(uid int) (*corev1.Pod, error) {
	t, ok := s.tablets[uid]
	if !ok {
		return nil, fmt.Errorf("shard %s asks for no tablet %d", s.shard.Name, uid)
	}
	return tabletPod(s.shard, t, s.revisions[uid], s.ownerRef()), nil
}

func (s *shardSet) Claims(uid int) []*corev1.PersistentVolumeClaim {
	t, ok := s.tablets[uid]
	if !ok {
		// A tablet no longer asked for: its claim is named after its pod.
		return []*corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: tabletClaimName(s.PodName(uid)), Namespace: s.shard.Namespace}}}
	}
	var owner *metav1.OwnerReference
	if p := s.shard.Spec.PersistentVolumeClaimRetentionPolicy; p != nil && p.WhenDeleted == common.RetentionDelete {
		ref := s.ownerRef()
		owner = &ref
	}
	return []*corev1.PersistentVolumeClaim{tabletClaim(s.shard, t, owner)}
}

// Services: tablets are reached by their pod addresses, which vttablet
// records in the topology; the shard needs no Service.
func (s *shardSet) Services() []*corev1.Service { return nil }

// Member reaches a tablet through its pod; its ID is its alias.
func (s *shardSet) Member(pod *corev1.Pod) dataplane.Member {
	uid, _ := strconv.Atoi(pod.Labels[replication.LabelOrdinal])
	alias := TabletAlias(pod.Labels[LabelCell], uint32(uid))
	return dataplane.Member{
		Target:  dataplane.Target{Namespace: pod.Namespace, Pod: pod.Name, Container: dataplane.VttabletContainer},
		DNSName: alias,
		ID:      alias,
	}
}

// WriteStatus maps the engine's report onto the shard's status.
func (s *shardSet) WriteStatus(ctx context.Context, r replication.Report) error {
	w := k8s.StatusWriter[*v1alpha1.VitessShard]{
		Status: func(o *v1alpha1.VitessShard) any { return &o.Status },
		Update: func(ctx context.Context, o *v1alpha1.VitessShard) (*v1alpha1.VitessShard, error) {
			return s.client.VitessV1alpha1().VitessShards(o.Namespace).UpdateStatus(ctx, o, metav1.UpdateOptions{})
		},
	}
	return replication.WriteReport(ctx, w, s.shard, r, func(o *v1alpha1.VitessShard) (*common.ObjectStatus, *common.ReplicatedStatus) {
		return &o.Status.ObjectStatus, &o.Status.ReplicatedStatus
	})
}

// ShardReconciler runs the passes of VitessShards on the replication engine.
type ShardReconciler struct {
	d         Deps
	apply     appliers
	engine    *replication.Engine
	shards    vtlisters.VitessShardLister
	keyspaces vtlisters.VitessKeyspaceLister
	cells     vtlisters.VitessCellLister
}

// NewShardReconciler returns the reconciler of VitessShards.
func NewShardReconciler(d Deps, engine *replication.Engine) *ShardReconciler {
	vt := d.Informers.Vitess.Vitess().V1alpha1()
	return &ShardReconciler{d: d, apply: newAppliers(d.Informers, d.Kube, d.Client), engine: engine,
		shards: vt.VitessShards().Lister(), keyspaces: vt.VitessKeyspaces().Lister(), cells: vt.VitessCells().Lister()}
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
	set, err := newShardSet(shard, r.d.Exec, r.d.Client, r.blocked(shard))
	if err != nil {
		return controller.Result{}, err
	}
	if err := r.applyPDB(ctx, shard, set.ownerRef()); err != nil {
		return controller.Result{}, err
	}
	resync, err := r.engine.Pass(ctx, set)
	return controller.Result{Resync: resync}, err
}

// Forget drops what the engine remembers of a deleted shard.
func (r *ShardReconciler) Forget(key controller.Key) {
	r.engine.Forget(ShardKind, key.Namespace, key.Name)
}

// blocked says what the shard waits for before its tablets can start: its
// keyspace and its cells in the topology.
func (r *ShardReconciler) blocked(s *v1alpha1.VitessShard) string {
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

// applyPDB keeps at most one tablet of the shard down by voluntary disruption.
func (r *ShardReconciler) applyPDB(ctx context.Context, s *v1alpha1.VitessShard, owner metav1.OwnerReference) error {
	one := intstr.FromInt32(1)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: map[string]string{LabelCluster: s.Spec.Cluster},
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one,
			Selector: &metav1.LabelSelector{MatchLabels: replication.SetLabels(ShardKind, s.Name)}},
	}
	_, err := r.apply.pdbs.Apply(ctx, pdb, pdb.Spec)
	return err
}

// TabletPods renders the pods of every tablet a shard asks for, sorted by name.
func TabletPods(s *v1alpha1.VitessShard) ([]*corev1.Pod, error) {
	set, err := newShardSet(s, nil, nil, "")
	if err != nil {
		return nil, err
	}
	var pods []*corev1.Pod
	for uid := range set.tablets {
		p, err := set.Pod(uid)
		if err != nil {
			return nil, err
		}
		pods = append(pods, p)
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, nil
}
