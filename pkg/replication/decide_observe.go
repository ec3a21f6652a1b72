package replication

import "time"

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
