package replication

import (
	"fmt"
	"strings"
	"time"
)

// pausedOrBlocked takes no step on a paused set, refuses a set whose spec
// the operator will not run, and waits on a set that cannot act yet (a
// keyspace not in the topology).
func pausedOrBlocked(s *Snapshot) (Action, bool) {
	switch {
	case s.Spec.Paused:
		return Action{Type: ActNone, Reason: "paused: spec.paused is set, the operator takes no action"}, true
	case s.Refused != "":
		return Action{Type: ActRefuse, Reason: s.Refused}, true
	case s.Blocked != "":
		return Action{Type: ActWait, Reason: s.Blocked}, true
	}
	return Action{}, false
}

// waitForCache takes no step while the cache does not yet show pods the
// engine created: the pass would decide on a set without them, and make
// them again at best. The add events of those pods wake the set; the engine
// stops waiting for a pod it never sees after createdGrace.
func waitForCache(s *Snapshot) (Action, bool) {
	if len(s.Unseen) == 0 {
		return Action{}, false
	}
	return Action{Type: ActWait, RetryAfter: time.Second,
		Reason: "waiting for the cache to show pods just created: " + strings.Join(s.Unseen, ", ")}, true
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
