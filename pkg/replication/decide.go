package replication

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// ActionType is the kind of step a pass takes.
type ActionType string

// The steps a pass can take. Exactly one is taken per pass.
const (
	// ActNone means the set is as asked; nothing to do.
	ActNone ActionType = "None"
	// ActWait means something the engine does not do must happen first.
	ActWait ActionType = "Wait"
	// ActRefuse means the engine will not act on what the spec asks; the
	// reason goes to status.
	ActRefuse ActionType = "Refuse"
	// ActCreatePods creates the pods (and claims) of members.
	ActCreatePods ActionType = "CreatePods"
	// ActDeletePod deletes a member's pod; its claims stay unless DeleteClaims.
	ActDeletePod ActionType = "DeletePod"
	// ActSeed starts the first primary of a set that has none running.
	ActSeed ActionType = "Seed"
	// ActPromote makes a member a primary.
	ActPromote ActionType = "Promote"
	// ActFollow makes a member follow the current primaries.
	ActFollow ActionType = "Follow"
	// ActStop stops a member's application.
	ActStop ActionType = "Stop"
	// ActFence makes a primary stop taking writes, verified, or deletes its
	// pod when that cannot be done.
	ActFence ActionType = "Fence"
	// ActLabel sets members' role labels to their probed states.
	ActLabel ActionType = "Label"
	// ActSwitchover moves the primary role from Members[0] to Members[1] in
	// one step, with a driver that can.
	ActSwitchover ActionType = "Switchover"
	// ActForget deletes the data plane's records of the members in IDs, which
	// no member stands for any more.
	ActForget ActionType = "Forget"
)

// Action is the one step a pass takes.
type Action struct {
	Type ActionType
	// Members are the ordinals the step applies to.
	Members []int
	// Reason says why, for logs, events and status.
	Reason string
	// DeleteClaims is set on an ActDeletePod that also removes the claims.
	DeleteClaims bool
	// Leaving is set on an ActDeletePod of a member that leaves the set for
	// good, whose record in the data plane goes too.
	Leaving bool
	// Force is set on an ActDeletePod of a pod on a node that stopped
	// reporting: a graceful deletion would wait for a kubelet that is gone.
	Force bool
	// Failover is set on an ActPromote that replaces a lost primary.
	Failover bool
	// From is the primary a failover replaces, when known.
	From *int
	// Unreachable are the members a failover must not wait for.
	Unreachable []int
	// RetryAfter, when set, is when the next pass should look again without
	// an event: a wait that ends by a deadline.
	RetryAfter time.Duration
	// IDs are the data-plane records an ActForget deletes.
	IDs []string
}

func (a Action) String() string {
	return fmt.Sprintf("%s%v: %s", a.Type, a.Members, a.Reason)
}

// NeedKind is a kind of fact a decision needs from the data plane first.
type NeedKind string

// The facts a decision can need.
const (
	// NeedProbe asks every running member for its state.
	NeedProbe NeedKind = "Probe"
	// NeedPositions asks members for their replication positions.
	NeedPositions NeedKind = "Positions"
)

// Need is what a decision waits for: facts only the data plane can give.
type Need struct {
	Kind NeedKind
	// Members are the ordinals to ask.
	Members []int
	// Reason says what the facts are for.
	Reason string
}

// Decision is Decide's answer: the facts it needs first (Need), or else the
// one step to take (Step).
type Decision struct {
	Need *Need
	Step Action
}

// gather marks, inside the rules, an answer that is a need, not a step.
const (
	gatherProbe     ActionType = "gather:Probe"
	gatherPositions ActionType = "gather:Positions"
)

// rule is one of the engine's rules: it returns the step it wants, or a
// need marked with a gather type, if any.
type rule func(s *Snapshot) (Action, bool)

// orderedRules are the engine's rules in the order they are tried; the first
// that wants a step wins, so the order is the priority of the rules.
func orderedRules() []rule {
	return []rule{
		pausedOrBlocked,
		refuseShrunkRestore,
		refuseNoEligible,
		removeDeadPods,
		createFirstPods,
		probe,
		waitIfUnobservable,
		fenceExtraPrimaries,
		handleFailures,
		syncLabels,
		forgetStrangers,
		promote,
		seed,
		replaceLost,
		createMissing,
		follow,
		retire,
		waitForSettled,
		switchToPreferred,
		scaleDown,
		roll,
	}
}

// Decide returns the facts a set's next step needs, or the step. It is a
// pure function of the snapshot; the rules are tried in order and the first
// that answers wins, so the order is the priority of the rules.
func Decide(s *Snapshot) Decision {
	for _, r := range orderedRules() {
		if a, ok := r(s); ok {
			switch a.Type {
			case gatherProbe:
				return Decision{Need: &Need{Kind: NeedProbe, Members: a.Members, Reason: a.Reason}}
			case gatherPositions:
				return Decision{Need: &Need{Kind: NeedPositions, Members: a.Members, Reason: a.Reason}}
			}
			return Decision{Step: a}
		}
	}
	return Decision{Step: Action{Type: ActNone, Reason: fmt.Sprintf("%d members, %d primaries", s.Spec.Replicas(), s.wantPrimaries())}}
}

// pausedOrBlocked takes no step on a paused set, and waits on a set that
// cannot act yet (a keyspace not in the topology).
func pausedOrBlocked(s *Snapshot) (Action, bool) {
	switch {
	case s.Spec.Paused:
		return Action{Type: ActNone, Reason: "paused: spec.paused is set, the operator takes no action"}, true
	case s.Blocked != "":
		return Action{Type: ActWait, Reason: s.Blocked}, true
	}
	return Action{}, false
}

// refuseShrunkRestore is the original RSS restoreReplicas guard: a set that
// has no pods left and once ran with more members than it now asks for is
// not started, since the latest data may be on a member it would not start.
func refuseShrunkRestore(s *Snapshot) (Action, bool) {
	for _, m := range s.Members {
		if m.Pod != nil {
			return Action{}, false
		}
	}
	if n := s.Spec.Replicas(); n > 0 && n < s.KnownGoodReplicas {
		return Action{Type: ActRefuse, Reason: fmt.Sprintf(
			"refusing to start %d members of a set that last ran with %d: the latest data may be on a member that would not start; scale to at least %d",
			n, s.KnownGoodReplicas, s.KnownGoodReplicas)}, true
	}
	return Action{}, false
}

// refuseNoEligible refuses a set that asks for primaries but has no member
// that may be one: fencing every primary as "extra" would take the set down
// in a loop, and promoting an ineligible member would break the spec.
func refuseNoEligible(s *Snapshot) (Action, bool) {
	if s.Spec.Primaries == 0 || s.Spec.Replicas() == 0 || s.Spec.eligibleCount() > 0 {
		return Action{}, false
	}
	return Action{Type: ActRefuse, Reason: fmt.Sprintf(
		"the set asks for %d primary but none of its %d members may be one; leaving the members as they are", s.Spec.Primaries, s.Spec.Replicas())}, true
}

// removeDeadPods deletes pods that will never run again, so they are made anew.
func removeDeadPods(s *Snapshot) (Action, bool) {
	for _, m := range s.Members {
		p := m.Pod
		if p == nil || p.Deleting {
			continue
		}
		switch {
		case p.Evicted:
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Reason: "pod was evicted"}, true
		case p.Phase == corev1.PodFailed || p.Phase == corev1.PodSucceeded:
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Reason: fmt.Sprintf("pod is %s", p.Phase)}, true
		}
	}
	return Action{}, false
}

// createFirstPods creates every member of a set that has no pods at all.
func createFirstPods(s *Snapshot) (Action, bool) {
	var missing []int
	for _, m := range s.Members {
		if m.Pod != nil {
			return Action{}, false
		}
		if s.desired(m) {
			missing = append(missing, m.Ordinal)
		}
	}
	if len(missing) == 0 {
		return Action{}, false
	}
	return Action{Type: ActCreatePods, Members: missing, Reason: "creating the members"}, true
}

// probe asks every running member for its state once per pass. A member on
// a node that stopped reporting is not asked: the exec would only wait for a
// kubelet that is gone.
func probe(s *Snapshot) (Action, bool) {
	if s.Probed {
		return Action{}, false
	}
	var running []int
	for _, m := range s.Members {
		if m.Pod.Running() && !m.Pod.NodeUnreachable {
			running = append(running, m.Ordinal)
		}
	}
	return Action{Type: gatherProbe, Members: running, Reason: "probing members"}, true
}

// waitIfUnobservable waits while the set's data plane cannot be observed at
// all: nothing is known of any member, so nothing is safe to do.
func waitIfUnobservable(s *Snapshot) (Action, bool) {
	if s.Unobservable == "" {
		return Action{}, false
	}
	return Action{Type: ActWait, Reason: "cannot observe the set: " + s.Unobservable, RetryAfter: 5 * time.Second}, true
}

// roleLabel is the role label value for a probed state.
func roleLabel(st dataplane.State) string {
	switch st {
	case dataplane.StatePrimary:
		return RolePrimary
	case dataplane.StateSecondary:
		return RoleSecondary
	}
	return RoleStopped
}

// syncLabels sets each answering member's role label to its state, so the
// client Service selects exactly the running primaries.
func syncLabels(s *Snapshot) (Action, bool) {
	var stale []int
	for _, m := range s.Members {
		if s.availabilityOf(m) == answering && m.Pod.Role != roleLabel(m.state()) {
			stale = append(stale, m.Ordinal)
		}
	}
	if len(stale) == 0 {
		return Action{}, false
	}
	return Action{Type: ActLabel, Members: stale, Reason: "role labels differ from probed states"}, true
}

// forgetStrangers deletes the data plane's records of members that no
// member stands for any more: a Vitess reparent waits for every tablet
// recorded in the shard, so one left behind would block every reparent.
func forgetStrangers(s *Snapshot) (Action, bool) {
	if len(s.Strangers) == 0 {
		return Action{}, false
	}
	for _, m := range s.Members {
		if s.availabilityOf(m) == answering {
			return Action{Type: ActForget, Members: []int{m.Ordinal}, IDs: s.Strangers,
				Reason: "deleting records that no member stands for: " + strings.Join(s.Strangers, ", ")}, true
		}
	}
	return Action{}, false
}

// waitForSettled holds the steps that need the whole set (a planned
// switchover, a scale-down, a roll) while a member is not answering: a
// choice made then could miss a member's data, or take a second member down.
func waitForSettled(s *Snapshot) (Action, bool) {
	var waits []string
	for _, m := range s.Members {
		if a := s.availabilityOf(m); a != answering && (m.Pod != nil || s.desired(m)) {
			waits = append(waits, s.describe(m))
		}
	}
	if len(waits) == 0 {
		return Action{}, false
	}
	return Action{Type: ActWait, Reason: "waiting for " + strings.Join(waits, ", ")}, true
}
