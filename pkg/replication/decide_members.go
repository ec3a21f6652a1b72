package replication

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// followRetry is how long a member started as a secondary that still reads
// stopped is given before it is started again: some data planes take a
// moment to report replication running, and restarting it in a loop would
// only flap its role label.
const followRetry = 10 * time.Second

// replaceLost deletes the pod of a member that is lost, so that it is made
// anew on its claims, once no primary depends on it (promote runs first).
// A pod on a node that stopped reporting is deleted with no grace period,
// since no kubelet will confirm a graceful deletion; that is done only for
// sets whose data plane isolates what it cannot reach. For others
// Kubernetes removes the pod once the node is confirmed down.
func replaceLost(s *Snapshot) (Action, bool) {
	for _, m := range s.Members {
		if onDeadNode(s, m) {
			why := "its node stopped reporting; replacing it elsewhere on its claims"
			if m.Pod.Deleting {
				// A graceful deletion a dead kubelet will never carry out.
				why = "its pod is being deleted on a node that stopped reporting; deleting it with no grace period"
			}
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Leaving: !s.desired(m), Force: true, Reason: why}, true
		}
		if s.availabilityOf(m) == lost && !m.Pod.NodeUnreachable {
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Leaving: !s.desired(m),
				Reason: fmt.Sprintf("unreachable for %s: %s", s.unavailableFor(m).Round(time.Second), detail(m))}, true
		}
	}
	return Action{}, false
}

// onDeadNode reports whether member m's pod is to be deleted with no grace
// period: it is on a node that stopped reporting, being deleted or lost, in
// a set whose data plane isolates what it cannot reach. No kubelet will
// confirm a graceful deletion there.
func onDeadNode(s *Snapshot, m *Member) bool {
	return m.Pod != nil && m.Pod.NodeUnreachable && s.Spec.IsolatesLostPrimary &&
		(m.Pod.Deleting || s.availabilityOf(m) == lost)
}

// createMissingBeforeRetry makes, in a failover (or after a promotion
// failed), the pod of a desired member that has none and never acted as a
// primary, before the promotion is tried (again): promote waits for such a
// member, which may hold more than it last reported. The data plane may have refused because it
// could not reach that member: a Vitess emergency reparent must reach every
// tablet that may hold acknowledged writes, and a replica whose pod was
// deleted holds them until it runs again. A former primary is not made
// anew first: back on its data, it could take writes beside the new one.
//
// A set whose members start stopped (no DurableFailover: its data plane
// does not guard acknowledged writes itself) does this in any failover, also
// for a member this process knows nothing of (after a restart): promote
// waits for it as well, and made anew it takes no role until given one.
func createMissingBeforeRetry(s *Snapshot) (Action, bool) {
	failing := s.PromoteFailed || len(formerPrimariesGone(s)) > 0 || (!s.Spec.DurableFailover && anyRunningApp(s))
	if len(s.primaries()) >= s.wantPrimaries() || !failing {
		return Action{}, false
	}
	for _, m := range s.Members {
		if s.desired(m) && m.Pod == nil && !m.formerPrimary() {
			return Action{Type: ActCreatePods, Members: []int{m.Ordinal},
				Reason: "the last promotion failed; recreating " + m.Name + ", which may hold acknowledged writes, before trying again"}, true
		}
	}
	return Action{}, false
}

// createMissing makes the pod of the lowest desired member that has none.
func createMissing(s *Snapshot) (Action, bool) {
	for _, m := range s.Members {
		if s.desired(m) && m.Pod == nil {
			return Action{Type: ActCreatePods, Members: []int{m.Ordinal}, Reason: "member has no pod"}, true
		}
	}
	return Action{}, false
}

// follow starts stopped members as secondaries of the current primaries and
// re-points secondaries that follow primaries that changed.
func follow(s *Snapshot) (Action, bool) {
	if len(s.primaries()) == 0 {
		return Action{}, false
	}
	key := primariesKey(s)
	var backingOff []string
	retry := followRetry
	for _, m := range s.Members {
		if !s.serving(m) {
			continue
		}
		switch m.state() {
		case dataplane.StateStopped:
			if since := s.Now.Sub(m.FollowedAt); !m.FollowedAt.IsZero() && since < followRetry {
				backingOff = append(backingOff, m.Name)
				retry = min(retry, followRetry-since)
				continue
			}
			return Action{Type: ActFollow, Members: []int{m.Ordinal}, Reason: "starting " + m.Name + " as a secondary of " + key}, true
		case dataplane.StateSecondary:
			if followsOther(s, m, key) {
				return Action{Type: ActFollow, Members: []int{m.Ordinal}, Reason: "re-pointing " + m.Name + " at " + key}, true
			}
		}
	}
	if len(backingOff) > 0 {
		return Action{Type: ActWait, RetryAfter: retry, Reason: strings.Join(backingOff, ", ") +
			" still read stopped after being started as secondaries; starting them again shortly"}, true
	}
	return Action{}, false
}

// retire deletes the pods of stopped members that are on their way out:
// beyond the desired size (the highest ordinal first, claims per policy) or
// stopped for a roll to a new template.
func retire(s *Snapshot) (Action, bool) {
	for i := len(s.Members) - 1; i >= 0; i-- {
		m := s.Members[i]
		st := m.state()
		if m.Pod == nil || m.Pod.Deleting || !s.retiring(m) || (st != dataplane.StateStopped && st != dataplane.StateFailed) {
			continue
		}
		if !s.desired(m) {
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, DeleteClaims: s.Spec.DeleteClaimsOnScaleDown, Leaving: true,
				Reason: "scaling down"}, true
		}
		return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Reason: "rolling to revision " + s.Spec.RevisionOf(m.Ordinal)}, true
	}
	return Action{}, false
}

// primariesKey is how a member records the primaries it follows.
func primariesKey(s *Snapshot) string {
	var names []string
	for _, m := range s.primaries() {
		names = append(names, m.Name)
	}
	return strings.Join(names, ",")
}

// movePrimaryRole takes the primary role off from: with a planned
// switchover where the driver has one; else by stopping it, once a member
// that stays holds everything from has, so that the promotion that follows
// loses nothing.
func movePrimaryRole(s *Snapshot, from *Member, why string) (Action, bool) {
	if s.Spec.PlannedSwitchover {
		return switchover(s, from, why)
	}
	heirs := promotionCandidates(s)
	if len(heirs) == 0 {
		return Action{Type: ActWait, Reason: why + ": no member that stays can take the primary role from " + from.Name}, true
	}
	if a, ok := needPositions(append([]*Member{from}, heirs...), "checking that a member that stays holds what "+from.Name+" has"); ok {
		return a, true
	}
	for _, h := range heirs {
		if holds(h.Position, from.Position) {
			return Action{Type: ActStop, Members: []int{from.Ordinal},
				Reason: fmt.Sprintf("%s: stopping primary %s; %s holds everything it has", why, from.Name, h.Name)}, true
		}
	}
	return Action{Type: ActWait, RetryAfter: time.Second, Reason: fmt.Sprintf(
		"%s: waiting for a member that stays to catch up with primary %s at position %s", why, from.Name, positionString(from.Position))}, true
}

// followsOther says whether secondary m replicates from something other
// than the current primaries (key). The data plane's answer wins: a driver
// that names the source (Vitess) shows that a reparent already re-pointed
// the member, as a seed or failover does for every tablet it reaches.
// Otherwise the pod's record of whom it was started to follow decides.
func followsOther(s *Snapshot, m *Member, key string) bool {
	if src := m.Probe.Source; src != "" {
		return !slices.ContainsFunc(s.primaries(), func(p *Member) bool { return p.Name == src })
	}
	return m.Pod.Following != key
}
