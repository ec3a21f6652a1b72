package replication

import (
	"fmt"
	"strings"
	"time"
)

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

// firstStartHold bounds how long a set that never ran holds its first probe
// for members whose pods do not run yet (awaitFirstStart).
const firstStartHold = 30 * time.Second

// awaitFirstStart holds the first probe of a set that never ran while some
// desired members' pods do not run yet: the seed needs every member to
// answer, so probing the ones that run only costs an exec each time another
// pod starts. The hold ends firstStartHold after the first pod started, so
// a pod that never runs (or a set seeded by an earlier process that left no
// trace in labels or status) holds the probe for no longer than that.
func awaitFirstStart(s *Snapshot) (Action, bool) {
	if s.Probed || !s.neverRan() {
		return Action{}, false
	}
	var starting []string
	var first time.Time
	for _, m := range s.Members {
		switch p := m.Pod; {
		case !s.desired(m):
		case !p.Running():
			starting = append(starting, m.Name)
		case !p.StartedAt.IsZero() && (first.IsZero() || p.StartedAt.Before(first)):
			first = p.StartedAt
		}
	}
	if len(starting) == 0 || first.IsZero() {
		return Action{}, false
	}
	left := firstStartHold - s.Now.Sub(first)
	if left <= 0 {
		return Action{}, false
	}
	return Action{Type: ActWait, RetryAfter: left, Reason: fmt.Sprintf(
		"waiting for %s to run before the first probe", strings.Join(starting, ", "))}, true
}

// neverRan reports whether nothing says the set ever ran: no member was seen
// to answer or hold a position, no pod carries a role the engine set, and
// neither a seed nor a promotion was tried.
func (s *Snapshot) neverRan() bool {
	if s.FailedSeed != nil || s.PromoteFailed || s.KnownGoodReplicas > 0 {
		return false
	}
	for _, m := range s.Members {
		if m.formerPrimary() || m.WasSecondary || m.Known != nil || m.AnsweredSinceStart || m.Failures > 0 {
			return false
		}
		if m.Pod != nil && m.Pod.Role != "" && m.Pod.Role != RoleStopped {
			return false
		}
	}
	return true
}
