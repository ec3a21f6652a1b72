package replication

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// Spec is what a set asks for, in the terms the engine decides in.
type Spec struct {
	// Desired holds the ordinal of every member the set should have, and
	// whether that member may become a primary (a Vitess rdonly tablet may not).
	Desired map[int]bool
	// Primaries is how many members act as primaries, at most the number of
	// eligible members.
	Primaries int
	// Paused stops every action.
	Paused bool
	// Revision identifies the member pod template; a member whose pod carries
	// another revision is rolled.
	Revision string
	// MemberRevisions, when set, gives each member a revision of its own, for
	// sets whose members are built from different templates.
	MemberRevisions map[int]string
	// NoRoll leaves members with an old revision alone until their pods are
	// deleted (an OnDelete update strategy).
	NoRoll bool
	// ManualFailover reports a lost primary instead of promoting another.
	ManualFailover bool
	// ReconcileInterval is the safety-net interval between passes.
	ReconcileInterval time.Duration
	// ReadinessShowsFailures is set for sets whose pods' readiness probe
	// fails when the member's data plane does: a failed member then shows as
	// a pod update, and the safety-net interval of a settled set stretches
	// (safetyNetInterval).
	ReadinessShowsFailures bool
	// DeleteClaimsOnScaleDown removes a removed member's claims with its pod.
	DeleteClaimsOnScaleDown bool
	// PlannedSwitchover is set when the driver can move the primary role from
	// one member to another in one safe step; otherwise the engine stops the
	// old primary and then promotes another.
	PlannedSwitchover bool
	// PreferredPrimary asks for the primary role on this ordinal, when it is
	// desired, eligible and running.
	PreferredPrimary *int
	// StartupTimeout is how long a member may take, from the moment its
	// containers started, to answer its status check before a failed answer
	// counts as a failure. Until then it is starting: mysqld initialising its
	// data directory or recovering from a crash must not be stopped or
	// deleted halfway. Zero means DefaultStartupTimeout.
	StartupTimeout time.Duration
	// LostAfter is how long a member may stay unavailable (unreachable, or
	// without a running pod) before the engine stops waiting for it: an
	// unreachable member is then lost, and a position it last reported no
	// longer holds a failover back. Zero means DefaultLostAfter.
	LostAfter time.Duration
	// IsolatesLostPrimary is set for sets whose data plane isolates a primary
	// it cannot reach when it fails over (Vitess: EmergencyReparentShard moves
	// the shard's primary in the topology, which vtgate routes by, and the old
	// primary demotes itself when it sees the topology again). Such a set
	// fails over from a lost primary at once and replaces members on a node
	// that stopped reporting. A set without it (hooks that cannot fence what
	// they cannot reach) waits until Kubernetes removes the lost pod, which it
	// does once the node is confirmed down (the out-of-service taint, or the
	// Node deleted).
	IsolatesLostPrimary bool
	// DurableFailover is set for sets whose data plane's failover itself
	// refuses to give up acknowledged writes (Vitess's EmergencyReparentShard
	// under a durability policy: it must reach enough tablets). A member
	// that does not answer then holds a failover only while it is known to
	// hold more; for other sets, whose hooks promote whatever they are
	// told, a member that does not answer is waited for (until it is
	// stale), since it may hold more than it last reported.
	DurableFailover bool
	// RebuildsDiverged is set for sets whose driver can discard a member's
	// data (dataplane.Rebuilder): a secondary holding transactions of its
	// own that no other member holds is then made again from the primary
	// (decide_rebuild.go) instead of staying passed over for good.
	RebuildsDiverged bool
	// HoldsGoingPrimary is set for sets whose pods hold their termination
	// while their member is a writable primary (a preStop hook, bounded by
	// the grace period): a primary whose pod is deleted gracefully, as a
	// node drain's eviction does, then has its role moved by a planned
	// switchover before its processes stop (handOverGoingPrimary).
	HoldsGoingPrimary bool
	// Busy are members the data plane has taken out of service on purpose,
	// by ordinal, with why: a tablet being backed up, whose mysqld the
	// builtin backup engine stops. A failed status check of a busy member
	// is not a failure; it is neither stopped nor replaced meanwhile.
	Busy map[int]string
}

// Defaults for the timeouts of a Spec.
const (
	DefaultStartupTimeout = 10 * time.Minute
	DefaultLostAfter      = 30 * time.Second
)

func (s Spec) startupTimeout() time.Duration {
	if s.StartupTimeout > 0 {
		return s.StartupTimeout
	}
	return DefaultStartupTimeout
}

func (s Spec) lostAfter() time.Duration {
	if s.LostAfter > 0 {
		return s.LostAfter
	}
	return DefaultLostAfter
}

// Ordinals returns the desired ordinals 0..n-1, all eligible: a set whose
// every member may be a primary.
func Ordinals(n int) map[int]bool {
	d := make(map[int]bool, n)
	for i := 0; i < n; i++ {
		d[i] = true
	}
	return d
}

// Replicas is the number of desired members.
func (s Spec) Replicas() int { return len(s.Desired) }

// eligibleCount is the number of desired members that may be primaries.
func (s Spec) eligibleCount() int {
	n := 0
	for _, ok := range s.Desired {
		if ok {
			n++
		}
	}
	return n
}

// PodView is what the engine reads of a member's pod.
type PodView struct {
	UID types.UID
	// Phase is the pod's phase.
	Phase corev1.PodPhase
	// Deleting is true once the pod has a deletion timestamp.
	Deleting bool
	// Holds is set when a container of the pod has a preStop hook: in a set
	// whose pods hold their termination (Spec.HoldsGoingPrimary), the pod's
	// processes run on for a while once it is deleting.
	Holds bool
	// DeletionAsked is when the pod's deletion was asked for (its deletion
	// timestamp less its grace period); zero while it is not deleting.
	DeletionAsked time.Time
	// Ready is the pod's Ready condition.
	Ready bool
	// Evicted is true for a pod the kubelet evicted.
	Evicted bool
	// Role is the role label the engine last set.
	Role string
	// Revision is the template revision the pod was made from.
	Revision string
	// Following is the primaries the member was last started to follow.
	Following string
	// StartedAt is when the pod's containers last started running (the
	// latest of them); zero until they run.
	StartedAt time.Time
	// NodeUnreachable is set when the node lifecycle controller marked the
	// pod not ready while its containers still report ready: it does that
	// when the pod's node stops reporting, and the kubelet never does.
	NodeUnreachable bool
	// Waiting says why a pod that does not run yet waits (unschedulable,
	// pulling an image), for status.
	Waiting string
}

// Running reports whether hooks can run in the pod.
func (p *PodView) Running() bool {
	return p != nil && p.Phase == corev1.PodRunning && !p.Deleting
}

// Probe is the result of a member's status check in this pass.
type Probe struct {
	State  dataplane.State
	Detail string
	// Term orders primaries that compete: the lower term is the stale one.
	Term int64
	// Source is the member a secondary replicates from, when the driver can
	// tell (dataplane.Observation.Source).
	Source string
	// ServerID is the identity the member's own transactions carry in
	// positions, when the driver can tell (dataplane.Observation.ServerID).
	ServerID string
	// AgentDown: the member's database answers and its agent does not
	// (dataplane.Observation.AgentDown).
	AgentDown bool
}

// Member is one member of a set as a pass sees it.
type Member struct {
	Ordinal int
	Name    string
	// Pod is nil when the member has no pod.
	Pod *PodView
	// Probe is nil until the status check ran in this pass.
	Probe *Probe
	// Position is nil until the engine asked for it in this pass.
	Position dataplane.Position
	// PositionErr says why the member could not report its position.
	PositionErr string
	// Failures counts consecutive failed probes of the current pod.
	Failures int
	// Known is the last position the member reported, in this pass or an
	// earlier one: its data lives on its claim, so it outlives the pod.
	Known dataplane.Position
	// WasPrimary is set when the member's last answer, in an earlier pass,
	// was that it runs as a primary.
	WasPrimary bool
	// WasSecondary is set when the member's last answer, in an earlier pass
	// of this process, was that it runs as a secondary.
	WasSecondary bool
	// UnavailableSince is when the member was first seen unavailable (no
	// running pod, or not answering) with no answer since; zero when it
	// answered last time.
	UnavailableSince time.Time
	// FollowedAt is when the engine last started the member as a secondary;
	// a member that still reads stopped right after is given time.
	FollowedAt time.Time
	// Released is set when this process deleted the member's record as
	// the data plane's primary (ActRelease) and it has not answered since.
	Released bool
	// PromotedAt is the position at which this process promoted the member
	// to primary, nil when it did not: what it held then it had received as
	// a secondary, and may have acknowledged (promotedAhead).
	PromotedAt dataplane.Position
	// AnsweredSinceStart is set when the member answered its status check
	// since its containers last started: a failure after that is a failure,
	// not a slow start.
	AnsweredSinceStart bool
}

// state is the member's probed state, or "" when it was not probed.
func (m *Member) state() dataplane.State {
	if m.Probe == nil {
		return ""
	}
	return m.Probe.State
}

// formerPrimary reports whether the member acted as a primary: the engine
// made it one, or it said so when last asked.
func (m *Member) formerPrimary() bool {
	return (m.Pod != nil && m.Pod.Role == RolePrimary) || m.WasPrimary
}

// SeedAttempt remembers a seed that failed, so a fallback seed never has a
// lower position than it.
type SeedAttempt struct {
	Ordinal  int
	Position dataplane.Position
}

// Snapshot is everything a decision is made from.
type Snapshot struct {
	Spec Spec
	// Now is the time of the pass; decisions read no clock of their own.
	Now time.Time
	// Blocked says why the set cannot act yet (a keyspace not in the
	// topology); empty when it can.
	Blocked string
	// Refused says why the operator will not act on the set at all (a field
	// it refuses, a child name taken by another object); empty when it will.
	Refused string
	// Members holds every desired ordinal and every ordinal that has a pod,
	// sorted by ordinal.
	Members []*Member
	// Probed is true once every running member has been probed in this pass.
	Probed bool
	// Unobservable says why the set's data plane could not be observed at
	// all in this pass (its control plane does not answer); it says nothing
	// about any one member.
	Unobservable string
	// Strangers are records the data plane keeps of members no member stands
	// for any more (a Vitess tablet record left behind by a pod deleted
	// without the operator); they are deleted.
	Strangers []string
	// KnownGoodReplicas is the last size at which the set ran healthy.
	KnownGoodReplicas int
	// FailedSeed is the last seed that failed, if any.
	FailedSeed *SeedAttempt
	// PromoteFailed says the last promotion failed: the data plane may need
	// members that do not run yet to go ahead (a Vitess emergency reparent
	// must reach every tablet that could hold acknowledged writes).
	PromoteFailed bool
	// Unseen are pods this engine created that the informer's cache does
	// not show yet.
	Unseen []string
}

// desired reports whether a member is one the spec asks for.
func (s *Snapshot) desired(m *Member) bool {
	_, ok := s.Spec.Desired[m.Ordinal]
	return ok
}

// eligible reports whether a member may become a primary.
func (s *Snapshot) eligible(m *Member) bool { return s.Spec.Desired[m.Ordinal] }

// outdated reports whether a member's pod was made from an older template.
func (s *Snapshot) outdated(m *Member) bool {
	return m.Pod != nil && s.desired(m) && m.Pod.Revision != s.Spec.RevisionOf(m.Ordinal)
}

// RevisionOf is the template revision a member's pod should carry.
func (s Spec) RevisionOf(ordinal int) string {
	if r, ok := s.MemberRevisions[ordinal]; ok {
		return r
	}
	return s.Revision
}

// retiring reports whether a member is on its way out: beyond the desired
// size, or stopped for a roll to a new template. Retiring members are never
// promoted or restarted.
func (s *Snapshot) retiring(m *Member) bool {
	return !s.desired(m) || (!s.Spec.NoRoll && s.outdated(m) && m.state() == dataplane.StateStopped)
}

// serving reports whether a member is desired, not on its way out, and
// answers: one the follow and rebuild rules act on.
func (s *Snapshot) serving(m *Member) bool {
	return s.desired(m) && !s.retiring(m) && s.availabilityOf(m) == answering
}

// primaries returns the members whose probe says they are primaries.
func (s *Snapshot) primaries() []*Member {
	var out []*Member
	for _, m := range s.Members {
		if m.state() == dataplane.StatePrimary {
			out = append(out, m)
		}
	}
	return out
}

// wantPrimaries is the number of primaries the set should have.
func (s *Snapshot) wantPrimaries() int {
	return min(s.Spec.Primaries, s.Spec.eligibleCount())
}

// members returns the members with the given ordinals, in snapshot order.
func (s *Snapshot) members(ordinals []int) []*Member {
	want := map[int]bool{}
	for _, o := range ordinals {
		want[o] = true
	}
	var out []*Member
	for _, m := range s.Members {
		if want[m.Ordinal] {
			out = append(out, m)
		}
	}
	return out
}

// member returns the member with an ordinal, or nil.
func (s *Snapshot) member(ordinal int) *Member {
	for _, m := range s.Members {
		if m.Ordinal == ordinal {
			return m
		}
	}
	return nil
}
