package replication

import (
	"fmt"
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

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

// switchToPreferred moves the primary role to the member the spec prefers,
// once the set is whole and that member runs as a secondary.
func switchToPreferred(s *Snapshot) (Action, bool) {
	p := s.Spec.PreferredPrimary
	prim := s.primaries()
	if p == nil || !s.Spec.PlannedSwitchover || len(prim) != 1 || s.wantPrimaries() != 1 || prim[0].Ordinal == *p {
		return Action{}, false
	}
	var target *Member
	for _, m := range s.Members {
		if m.Ordinal == *p {
			target = m
		}
	}
	if target == nil || !s.eligible(target) || target.state() != dataplane.StateSecondary {
		return Action{}, false
	}
	return Action{Type: ActSwitchover, Members: []int{prim[0].Ordinal, target.Ordinal},
		Reason: fmt.Sprintf("switchover asked for: moving the primary role from %s to %s", prim[0].Name, target.Name)}, true
}

// scaleDown stops the running member with the highest ordinal beyond the
// desired size; retire then deletes it. A primary's role moves first: in one
// step with a driver that can switch over, else it is stopped only once a
// member that stays holds everything it has, and promote moves the role.
func scaleDown(s *Snapshot) (Action, bool) {
	for i := len(s.Members) - 1; i >= 0; i-- {
		m := s.Members[i]
		if s.desired(m) || m.Pod == nil {
			continue
		}
		switch m.state() {
		case dataplane.StatePrimary:
			return movePrimaryRole(s, m, "scaling down")
		case dataplane.StateSecondary:
			return Action{Type: ActStop, Members: []int{m.Ordinal}, Reason: "scaling down: stopping " + m.Name}, true
		}
	}
	return Action{}, false
}

// roll moves one healthy member at a time to the current template:
// secondaries first, the highest ordinal first, and primaries last. It stops
// the member; retire deletes its pod and createMissing makes it anew. A
// primary's role moves first (see movePrimaryRole).
func roll(s *Snapshot) (Action, bool) {
	if s.Spec.NoRoll || len(s.primaries()) != s.wantPrimaries() {
		return Action{}, false
	}
	var outdatedSecondary, outdatedPrimary *Member
	for _, m := range s.Members {
		if !s.desired(m) || m.Pod == nil || m.Probe == nil {
			return Action{}, false // not all there yet, or a scale-down is under way
		}
		if !s.outdated(m) {
			continue
		}
		switch m.state() {
		case dataplane.StatePrimary:
			outdatedPrimary = m
		case dataplane.StateSecondary:
			outdatedSecondary = m
		}
	}
	switch {
	case outdatedSecondary != nil:
		return Action{Type: ActStop, Members: []int{outdatedSecondary.Ordinal},
			Reason: fmt.Sprintf("rolling %s to revision %s", outdatedSecondary.Name, s.Spec.RevisionOf(outdatedSecondary.Ordinal))}, true
	case outdatedPrimary != nil:
		return movePrimaryRole(s, outdatedPrimary, fmt.Sprintf("rolling %s to revision %s", outdatedPrimary.Name, s.Spec.RevisionOf(outdatedPrimary.Ordinal)))
	}
	return Action{}, false
}

// switchover moves the primary role off from to the most advanced running
// secondary that stays, up to date where one is, in one step of a driver
// that can. Without a candidate it waits rather than leave no primary.
func switchover(s *Snapshot, from *Member, why string) (Action, bool) {
	var fresh, any []*Member
	for _, m := range s.Members {
		if m == from || !s.eligible(m) || s.retiring(m) || m.state() != dataplane.StateSecondary {
			continue
		}
		any = append(any, m)
		if !s.outdated(m) {
			fresh = append(fresh, m)
		}
	}
	candidates := fresh
	if len(candidates) == 0 {
		candidates = any
	}
	if len(candidates) == 0 {
		return Action{Type: ActWait, Reason: why + ": no running secondary to move the primary role to"}, true
	}
	top, a, ok := mostAdvanced(s, candidates, nil, "where to move the primary role")
	if ok {
		return a, true
	}
	return Action{Type: ActSwitchover, Members: []int{from.Ordinal, top.Ordinal},
		Reason: fmt.Sprintf("%s: moving the primary role from %s to %s", why, from.Name, top.Name)}, true
}
