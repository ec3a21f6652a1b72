package replication

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

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
