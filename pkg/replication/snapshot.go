// Package replication is the engine that runs a replicated set: members are
// pods with stable names and claims; some are primaries, the rest follow
// them. One pass observes the set, decides the next safe step with the pure
// function Decide, acts, and records status. ReplicatedStatefulSet and
// VitessShard both run on it through the Set interface.
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
	// DeleteClaimsOnScaleDown removes a removed member's claims with its pod.
	DeleteClaimsOnScaleDown bool
	// PlannedSwitchover is set when the driver can move the primary role from
	// one member to another in one safe step; otherwise the engine stops the
	// old primary and then promotes another.
	PlannedSwitchover bool
	// PreferredPrimary asks for the primary role on this ordinal, when it is
	// desired, eligible and running.
	PreferredPrimary *int
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
	// Evicted is true for a pod the kubelet evicted.
	Evicted bool
	// Role is the role label the engine last set.
	Role string
	// Revision is the template revision the pod was made from.
	Revision string
	// Following is the primaries the member was last started to follow.
	Following string
	// object is the pod itself, for the driver; decisions never read it.
	object *corev1.Pod
}

// Running reports whether hooks can run in the pod.
func (p *PodView) Running() bool {
	return p != nil && p.Phase == corev1.PodRunning && !p.Deleting
}

// Probe is the result of a member's status hook in this pass.
type Probe struct {
	State  dataplane.State
	Detail string
}

// Member is one member of a set as a pass sees it.
type Member struct {
	Ordinal int
	Name    string
	// Pod is nil when the member has no pod.
	Pod *PodView
	// Probe is nil until the status hook ran in this pass.
	Probe *Probe
	// Position is nil until the engine asked for it in this pass.
	Position dataplane.Position
	// PositionErr says why the member could not report its position.
	PositionErr string
	// Failures counts consecutive failed probes of the current pod.
	Failures int
}

// state is the member's probed state, or "" when it was not probed.
func (m *Member) state() dataplane.State {
	if m.Probe == nil {
		return ""
	}
	return m.Probe.State
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
	// Members holds every desired ordinal and every ordinal that has a pod,
	// sorted by ordinal.
	Members []*Member
	// Probed is true once every running member has been probed in this pass.
	Probed bool
	// KnownGoodReplicas is the last size at which the set ran healthy.
	KnownGoodReplicas int
	// FailedSeed is the last seed that failed, if any.
	FailedSeed *SeedAttempt
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
