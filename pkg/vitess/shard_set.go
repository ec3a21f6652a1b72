package vitess

import (
	"context"
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
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
	status    k8s.StatusWriter[*v1alpha1.VitessShard]
	blocked   string
	// refused is why the operator will not run the shard; "" when it will.
	refused string
	// cells are the cells of the tablets that have pods, by UID: a tablet
	// removed from the spec is known only by its pod, and its pod's and
	// claim's names hold its cell.
	cells map[int]string
	// backups is the shard's backup status, written with the engine's
	// report; busy the tablet being backed up, by UID.
	backups *v1alpha1.ShardBackups
	busy    map[int]string
	// reportedPhase is the phase the pass's report wrote.
	reportedPhase string
}

// newShardSet renders the shard's tablets and pool revisions and the
// driver that reaches them. blocked says what the shard waits for before
// its tablets may start; empty when nothing.
func newShardSet(s *v1alpha1.VitessShard, exec dataplane.Executor, status k8s.StatusWriter[*v1alpha1.VitessShard], blocked string,
	pods []*corev1.Pod) (*shardSet, error) {
	revs, err := poolRevisions(s)
	if err != nil {
		return nil, err
	}
	set := &shardSet{shard: s, tablets: map[int]Tablet{}, revisions: map[int]string{}, status: status, blocked: blocked,
		cells: map[int]string{}}
	for _, p := range pods {
		if uid, err := strconv.Atoi(p.Labels[replication.LabelOrdinal]); err == nil && p.Labels[LabelCell] != "" {
			set.cells[uid] = p.Labels[LabelCell]
		}
	}
	set.driver = dataplane.NewVitess(exec, VtctldAddress(s.Spec.Cluster, s.Namespace), s.Spec.Keyspace, s.Spec.Name).
		WithOwned(func(alias string) bool { return ownsAlias(s, alias) })
	for _, t := range Tablets(s) {
		set.tablets[int(t.UID)] = t
		set.revisions[int(t.UID)] = revs[t.Pool]
	}
	return set, nil
}

// Object, Kind, Blocked, KnownGoodReplicas and Driver are what the engine
// reads of the shard as they are.
func (s *shardSet) Object() replication.Object { return s.shard }
func (s *shardSet) Kind() string               { return ShardKind }
func (s *shardSet) Blocked() string            { return s.blocked }
func (s *shardSet) Refused() string            { return s.refused }
func (s *shardSet) KnownGoodReplicas() int     { return int(s.shard.Status.KnownGoodReplicas) }
func (s *shardSet) LastPrimaries() []string    { return s.shard.Status.Members.Primary }
func (s *shardSet) Driver() dataplane.Driver   { return s.driver }

// Spec asks for every tablet of the shard, the master-eligible ones
// eligible, and exactly one primary across all cells.
func (s *shardSet) Spec() replication.Spec {
	spec := s.shard.Spec
	desired := map[int]bool{}
	for uid, t := range s.tablets {
		desired[uid] = t.Pool == PoolMasterEligible
	}
	var timeouts *common.MemberTimeouts
	if spec.Failover != nil {
		timeouts = &spec.Failover.MemberTimeouts
	}
	return replication.Spec{
		Desired:           desired,
		Primaries:         1,
		Paused:            spec.Paused,
		MemberRevisions:   s.revisions,
		ReconcileInterval: replication.ReconcileInterval(spec.ReconcileInterval),
		// vttablet's readiness probe (/debug/health) runs a query through
		// mysqld on a serving tablet (tabletserver.go IsHealthy): a tablet
		// whose mysqld fails turns its pod NotReady.
		ReadinessShowsFailures:  true,
		DeleteClaimsOnScaleDown: replication.ClaimRetentionOf(spec.PersistentVolumeClaimRetentionPolicy).DeleteOnScaleDown,
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
		DurableFailover:     true,
		// A tablet pod's containers hold their termination while its
		// mysqld is writable (render_termination.go).
		HoldsGoingPrimary: true,
		// mysqlctl teardown discards a tablet's data; its next pod starts
		// empty (or from a backup) and catches up from the primary.
		RebuildsDiverged: true,
		Busy:             s.busy,
	}
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

// PodName is the pod of tablet uid: of a tablet asked for, or of one no
// longer asked for that still has a pod, whose cell the pod's labels give.
// A tablet that is neither has no pod to name; it gets a name by UID alone,
// which matches no pod and no claim.
func (s *shardSet) PodName(uid int) string {
	if t, ok := s.tablets[uid]; ok {
		return TabletPodName(s.shard.Spec.Cluster, t.Cell, t.UID)
	}
	if cell, ok := s.cells[uid]; ok {
		return TabletPodName(s.shard.Spec.Cluster, cell, uint32(uid))
	}
	return fmt.Sprintf("%s-vttablet-%010d", s.shard.Spec.Cluster, uid)
}

func (s *shardSet) ownerRef() metav1.OwnerReference { return controllerRef(s.shard, ShardKind) }

// Pod renders the pod of tablet uid at its pool's revision.
func (s *shardSet) Pod(uid int) (*corev1.Pod, error) {
	t, ok := s.tablets[uid]
	if !ok {
		return nil, fmt.Errorf("shard %s asks for no tablet %d", s.shard.Name, uid)
	}
	return tabletPod(s.shard, t, s.revisions[uid], s.ownerRef()), nil
}

// Claims renders the data claim of tablet uid.
func (s *shardSet) Claims(uid int) []*corev1.PersistentVolumeClaim {
	owners := replication.ClaimRetentionOf(s.shard.Spec.PersistentVolumeClaimRetentionPolicy).ClaimOwners(s.ownerRef())
	t, ok := s.tablets[uid]
	if !ok {
		// A tablet no longer asked for: its claim is named after its pod,
		// and goes with the shard as the others do.
		return []*corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: tabletClaimName(s.PodName(uid)),
			Namespace: s.shard.Namespace, OwnerReferences: owners}}}
	}
	return []*corev1.PersistentVolumeClaim{tabletClaim(s.shard, t, owners)}
}

// Services: tablets are reached by their pod addresses, which vttablet
// records in the topology; the shard needs no Service.
func (s *shardSet) Services() []*corev1.Service { return nil }

// Member reaches a tablet through its pod; its ID is its alias. It has no
// DNSName: the Vitess driver names tablets by alias only (it ignores the
// primaries' names the engine passes to Seed, Promote and Follow), vttablet
// records its pod IP in the topology for others to reach it, and a tablet
// pod has no hostname and subdomain that would give it a stable DNS name.
func (s *shardSet) Member(pod *corev1.Pod) dataplane.Member {
	uid, _ := strconv.Atoi(pod.Labels[replication.LabelOrdinal])
	return dataplane.Member{
		Target: dataplane.Target{Namespace: pod.Namespace, Pod: pod.Name, Container: dataplane.VttabletContainer},
		ID:     TabletAlias(pod.Labels[LabelCell], uint32(uid)),
	}
}

// WriteStatus maps the engine's report onto the shard's status.
func (s *shardSet) WriteStatus(ctx context.Context, r replication.Report) error {
	s.reportedPhase = r.Phase
	_, err := s.status.Write(ctx, s.shard, func(next *v1alpha1.VitessShard) {
		r.Fill(next.StatusParts())
		next.Status.Backups = s.backups
	})
	return err
}

// Identity names the shard's cluster, keyspace and shard in the engine's
// metrics.
func (s *shardSet) Identity() replication.SetIdentity {
	return replication.SetIdentity{Cluster: s.shard.Spec.Cluster, Keyspace: s.shard.Spec.Keyspace, Shard: s.shard.Spec.Name}
}
