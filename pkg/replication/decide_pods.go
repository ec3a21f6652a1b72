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
