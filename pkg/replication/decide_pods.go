package replication

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// secondaryGoingWait bounds how long a pass holds its probe while a
// secondary's pod goes away (awaitGoingSecondary).
const secondaryGoingWait = 2 * time.Second

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

// recreateSecondaries gives back their pods to desired members that lost
// them while secondaries, before any probe: a pass's probe can take longer
// than the creation (a busy control plane, a slow vtctld), and a member
// made anew takes no role it did not hold: a tablet starts as whatever the
// shard record says it is (a replica of another primary, or the primary
// restarting, as after a container restart), a ReplicatedStatefulSet
// member starts stopped until the engine makes it follow. A member that
// was a primary when last seen, or that this process never saw answer, is
// left to the rules that read the data plane first (a failover comes
// before its pod).
func recreateSecondaries(s *Snapshot) (Action, bool) {
	var missing []int
	for _, m := range s.Members {
		if s.desired(m) && m.Pod == nil && m.WasSecondary && !m.formerPrimary() {
			missing = append(missing, m.Ordinal)
		}
	}
	if len(missing) == 0 {
		return Action{}, false
	}
	return Action{Type: ActCreatePods, Members: missing, Reason: "members that ran as secondaries have no pod"}, true
}

// awaitGoingSecondary holds the probe for a moment while the pod of a
// secondary is going away (its deletion asked for less than
// secondaryGoingWait ago) and every other desired member's pod runs and is
// ready: the pass would only learn that nothing is to be done until the pod
// is gone, and its going is an event that starts the pass that gives it back
// (recreateSecondaries) at once instead of after a probe. Bounded, so that a
// real grace period (a mysqld shutting down) delays no other step by more;
// any other member not ready, or a primary going, is for the rules below.
func awaitGoingSecondary(s *Snapshot) (Action, bool) {
	if s.Probed {
		return Action{}, false
	}
	var going *Member
	for _, m := range s.Members {
		switch p := m.Pod; {
		case !s.desired(m):
		case p != nil && p.Deleting && m.WasSecondary && !m.formerPrimary() && going == nil:
			going = m
		case p == nil || !p.Running() || !p.Ready || p.NodeUnreachable:
			return Action{}, false
		}
	}
	if going == nil {
		return Action{}, false
	}
	left := secondaryGoingWait - s.Now.Sub(going.Pod.DeletionAsked)
	if going.Pod.DeletionAsked.IsZero() || left <= 0 {
		return Action{}, false
	}
	return Action{Type: ActWait, RetryAfter: left, Reason: fmt.Sprintf(
		"the pod of secondary %s is going away; making it again once it is gone", going.Name)}, true
}
