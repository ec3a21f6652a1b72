package replication

import (
	"fmt"
	"time"
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
	// ActRebuild discards a diverged secondary's data and deletes its pod, so
	// that it comes back as a new member (decide_rebuild.go).
	ActRebuild ActionType = "Rebuild"
	// ActRelease deletes the data plane's record of a lost primary, on which
	// other members' start waits (dataplane.PrimaryReleaser).
	ActRelease ActionType = "Release"
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
// that wants a step wins, so the order is the priority of the rules. Each
// group lives in the file named beside it, in this order.
func orderedRules() []rule {
	return []rule{
		// decide_guards.go: nothing is done to a set the spec forbids touching.
		pausedOrBlocked,
		waitForCache,
		refuseShrunkRestore,
		refuseNoEligible,
		// decide_pods.go: pods that cannot run, a set with none yet, and
		// secondaries that lost their pods.
		removeDeadPods,
		createFirstPods,
		recreateSecondaries,
		awaitGoingSecondary,
		// decide_observe.go: the facts every later rule reads.
		awaitFirstStart,
		probe,
		waitIfUnobservable,
		// decide_handover.go: a primary whose pod is being deleted hands
		// its role over while its pod holds.
		handOverGoingPrimary,
		// decide_failures.go: never two primaries; failed members.
		fenceExtraPrimaries,
		handleFailures,
		// decide_bookkeeping.go: labels and records that trail the data plane.
		syncLabels,
		forgetStrangers,
		// decide_primary.go: a set with no primary gets one; after a failed
		// promotion, members that may hold its writes run first
		// (decide_members.go).
		createMissingBeforeRetry,
		promote,
		seed,
		// decide_members.go: every desired member runs and follows.
		replaceLost,
		createMissing,
		// decide_rebuild.go: a secondary holding writes no other member
		// holds is made again from the primary, before it follows.
		rebuildDiverged,
		follow,
		retire,
		// decide_settled.go: planned changes, only on a whole, settled set.
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
