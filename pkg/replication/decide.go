package replication

import (
	"fmt"
	"strings"

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
	// ActProbe runs the status hook on every running member.
	ActProbe ActionType = "Probe"
	// ActPositions asks members for their replication positions.
	ActPositions ActionType = "Positions"
	// ActSeed starts the first primary of a set that has none running.
	ActSeed ActionType = "Seed"
	// ActPromote makes a member a primary.
	ActPromote ActionType = "Promote"
	// ActFollow makes a member follow the current primaries.
	ActFollow ActionType = "Follow"
	// ActStop stops a member's application.
	ActStop ActionType = "Stop"
	// ActLabel sets members' role labels to their probed states.
	ActLabel ActionType = "Label"
	// ActSwitchover moves the primary role from Members[0] to Members[1] in
	// one step, with a driver that can.
	ActSwitchover ActionType = "Switchover"
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
	// Failover is set on an ActPromote that replaces a lost primary.
	Failover bool
}

func (a Action) String() string {
	return fmt.Sprintf("%s%v: %s", a.Type, a.Members, a.Reason)
}

// rule is one of the engine's rules: it returns the step it wants, if any.
type rule func(s *Snapshot) (Action, bool)

// Decide returns the next step for a set. It is a pure function of the
// snapshot; the rules are tried in order and the first that wants a step
// wins, so the order is the priority of the rules.
func Decide(s *Snapshot) Action {
	if s.Spec.Paused {
		return Action{Type: ActNone, Reason: "paused"}
	}
	rules := []rule{
		refuseShrunkRestore,
		removeDeadPods,
		createFirstPods,
		waitForPods,
		probe,
		waitForUnknown,
		fenceExtraPrimaries,
		handleFailures,
		syncLabels,
		seed,
		promote,
		createMissing,
		follow,
		switchToPreferred,
		retire,
		scaleDown,
		roll,
	}
	for _, r := range rules {
		if a, ok := r(s); ok {
			return a
		}
	}
	return Action{Type: ActNone, Reason: fmt.Sprintf("%d members, %d primaries", s.Spec.Replicas(), s.wantPrimaries())}
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

// waitForPods holds every further step while a pod is being created or
// deleted: a decision made then could miss a member's data.
func waitForPods(s *Snapshot) (Action, bool) {
	var starting, stopping []string
	for _, m := range s.Members {
		switch {
		case m.Pod == nil:
		case m.Pod.Deleting:
			stopping = append(stopping, m.Name)
		case m.Pod.Phase != corev1.PodRunning:
			starting = append(starting, m.Name)
		}
	}
	var waits []string
	if len(starting) > 0 {
		waits = append(waits, "pods "+strings.Join(starting, ", ")+" to run")
	}
	if len(stopping) > 0 {
		waits = append(waits, "pods "+strings.Join(stopping, ", ")+" to go")
	}
	if len(waits) == 0 {
		return Action{}, false
	}
	return Action{Type: ActWait, Reason: "waiting for " + strings.Join(waits, " and ")}, true
}

// probe asks every running member for its state once per pass.
func probe(s *Snapshot) (Action, bool) {
	if s.Probed {
		return Action{}, false
	}
	var running []int
	for _, m := range s.Members {
		if m.Pod.Running() {
			running = append(running, m.Ordinal)
		}
	}
	return Action{Type: ActProbe, Members: running, Reason: "probing members"}, true
}

// fenceExtraPrimaries stops a primary when more run than asked for, the
// highest ordinal first, so there are never more primaries than asked.
func fenceExtraPrimaries(s *Snapshot) (Action, bool) {
	prim := s.primaries()
	if len(prim) <= s.wantPrimaries() {
		return Action{}, false
	}
	// Keep the primaries the engine made, whose pods carry the primary
	// label; fence first a primary on its way out, then one that reports
	// itself primary unasked (a pod made anew on a former primary's claim),
	// then the highest ordinal.
	victim := prim[len(prim)-1]
	for _, m := range prim {
		if m.Pod.Role != RolePrimary {
			victim = m
		}
	}
	for _, m := range prim {
		if s.retiring(m) {
			victim = m
		}
	}
	return Action{Type: ActStop, Members: []int{victim.Ordinal},
		Reason: fmt.Sprintf("%d primaries run, %d asked for", len(prim), s.wantPrimaries())}, true
}

// handleFailures stops a member whose status hook failed; a second failure
// deletes its pod so it is made anew on the same claims.
func handleFailures(s *Snapshot) (Action, bool) {
	for _, m := range s.Members {
		if m.state() != dataplane.StateFailed {
			continue
		}
		if m.Failures >= 2 {
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal},
				Reason: fmt.Sprintf("status failed %d times: %s", m.Failures, m.Probe.Detail)}, true
		}
		return Action{Type: ActStop, Members: []int{m.Ordinal},
			Reason: "status failed: " + m.Probe.Detail}, true
	}
	return Action{}, false
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

// syncLabels sets each probed member's role label to its state, so the
// client Service selects exactly the running primaries.
func syncLabels(s *Snapshot) (Action, bool) {
	var stale []int
	for _, m := range s.Members {
		if m.Probe != nil && m.Pod != nil && m.Pod.Role != roleLabel(m.Probe.State) {
			stale = append(stale, m.Ordinal)
		}
	}
	if len(stale) == 0 {
		return Action{}, false
	}
	return Action{Type: ActLabel, Members: stale, Reason: "role labels differ from probed states"}, true
}

// waitForUnknown holds every step while a member cannot be asked for its
// state: it may still be a primary, so promoting another could make two,
// and stopping or deleting it on no evidence could take a healthy member
// down. The reason names the members and why they cannot be reached.
func waitForUnknown(s *Snapshot) (Action, bool) {
	var unknown []string
	for _, m := range s.Members {
		if m.state() == dataplane.StateUnknown {
			unknown = append(unknown, m.Name+" ("+m.Probe.Detail+")")
		}
	}
	if len(unknown) == 0 {
		return Action{}, false
	}
	return Action{Type: ActRefuse, Reason: "cannot reach " + strings.Join(unknown, ", ") + "; taking no action until every member answers"}, true
}
