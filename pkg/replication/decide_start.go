package replication

import (
	"fmt"
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// anyRunningApp reports whether some member runs as a primary or secondary.
func anyRunningApp(s *Snapshot) bool {
	for _, m := range s.Members {
		if st := m.state(); st == dataplane.StatePrimary || st == dataplane.StateSecondary {
			return true
		}
	}
	return false
}

// needPositions returns a Positions step for the members that have not
// reported their position yet, if any.
func needPositions(ms []*Member, why string) (Action, bool) {
	var missing []int
	for _, m := range ms {
		if m.Position == nil && m.PositionErr == "" {
			missing = append(missing, m.Ordinal)
		}
	}
	if len(missing) == 0 {
		return Action{}, false
	}
	return Action{Type: ActPositions, Members: missing, Reason: why}, true
}

// best returns the member with the highest position; ties go to the lowest
// ordinal, compared as numbers. It fails when two positions do not compare.
func best(ms []*Member) (*Member, error) {
	var top *Member
	for _, m := range ms {
		if top == nil {
			top = m
			continue
		}
		c, ok := m.Position.Compare(top.Position)
		if !ok {
			return nil, fmt.Errorf("positions of %s (%s) and %s (%s) have diverged", m.Name, m.Position, top.Name, top.Position)
		}
		if c > 0 || (c == 0 && m.Ordinal < top.Ordinal) {
			top = m
		}
	}
	return top, nil
}

// seedCandidates are the members a seed may start on: desired, running and
// stopped. After a failed seed only members at least as advanced as the
// failed one qualify, and the failed one itself only when no other does.
func seedCandidates(s *Snapshot, ms []*Member) []*Member {
	f := s.FailedSeed
	if f == nil {
		return ms
	}
	var others []*Member
	var failed *Member
	for _, m := range ms {
		if m.Ordinal == f.Ordinal {
			failed = m
			continue
		}
		if c, ok := m.Position.Compare(f.Position); ok && c >= 0 {
			others = append(others, m)
		}
	}
	if len(others) == 0 && failed != nil {
		return []*Member{failed}
	}
	return others
}

// seed starts the first primary when no member runs: every desired member
// must exist and run, so the most advanced one is among them.
func seed(s *Snapshot) (Action, bool) {
	if s.wantPrimaries() == 0 || anyRunningApp(s) {
		return Action{}, false
	}
	var candidates []*Member
	var missing []int
	for _, m := range s.Members {
		if !s.desired(m) {
			continue
		}
		if m.Pod == nil {
			missing = append(missing, m.Ordinal)
			continue
		}
		if s.eligible(m) {
			candidates = append(candidates, m)
		}
	}
	if len(missing) > 0 {
		return Action{Type: ActCreatePods, Members: missing, Reason: "every member must run before the seed is chosen"}, true
	}
	if a, ok := needPositions(candidates, "choosing the seed"); ok {
		return a, true
	}
	if a, ok := unpositioned(candidates, "a seed"); ok {
		return a, true
	}
	cand := seedCandidates(s, candidates)
	if len(cand) == 0 {
		return Action{Type: ActRefuse, Reason: "no member holds as much as the failed seed"}, true
	}
	top, err := best(cand)
	if err != nil {
		return Action{Type: ActRefuse, Reason: "cannot choose a seed: " + err.Error()}, true
	}
	return Action{Type: ActSeed, Members: []int{top.Ordinal},
		Reason: fmt.Sprintf("seeding from %s at position %s", top.Name, positionString(top.Position))}, true
}

// unpositioned returns a refusal naming the candidates whose position hook
// failed. A choice among the others could pass over the most advanced member
// and lose its writes, so the engine waits until every candidate answers, or
// until one that keeps failing is handled as a failed member.
func unpositioned(ms []*Member, what string) (Action, bool) {
	var failed []string
	for _, m := range ms {
		if m.PositionErr != "" {
			failed = append(failed, m.Name+" ("+m.PositionErr+")")
		}
	}
	if len(failed) == 0 {
		return Action{}, false
	}
	return Action{Type: ActRefuse, Reason: "cannot choose " + what + ": " + strings.Join(failed, ", ") + " could not report its position"}, true
}

// promote makes the most advanced running member a primary while fewer run
// than asked for. A lost primary is replaced this way: it is already fenced
// (gone, or stopped by handleFailures), and the survivors are asked for
// their positions first.
func promote(s *Snapshot) (Action, bool) {
	prim := s.primaries()
	if len(prim) >= s.wantPrimaries() {
		return Action{}, false
	}
	var candidates []*Member
	for _, m := range s.Members {
		st := m.state()
		if s.eligible(m) && !s.retiring(m) && (st == dataplane.StateSecondary || st == dataplane.StateStopped) {
			candidates = append(candidates, m)
		}
	}
	if len(candidates) == 0 {
		return Action{}, false
	}
	if a, ok := needPositions(candidates, "choosing a member to promote"); ok {
		return a, true
	}
	if a, ok := unpositioned(candidates, "a member to promote"); ok {
		return a, true
	}
	top, err := best(candidates)
	if err != nil {
		return Action{Type: ActRefuse, Reason: "cannot choose a member to promote: " + err.Error()}, true
	}
	if failingOver(s) && s.Spec.ManualFailover && anyRunningApp(s) {
		return Action{Type: ActRefuse, Reason: fmt.Sprintf(
			"the primary is lost and failover is manual; %s at position %s is the most advanced candidate", top.Name, positionString(top.Position))}, true
	}
	return Action{Type: ActPromote, Members: []int{top.Ordinal}, Failover: failingOver(s),
		Reason: fmt.Sprintf("%d of %d primaries run; promoting %s at position %s", len(prim), s.wantPrimaries(), top.Name, positionString(top.Position))}, true
}

// failingOver reports whether a promotion replaces a primary that was lost:
// some member still labelled primary no longer runs as one.
func failingOver(s *Snapshot) bool {
	for _, m := range s.Members {
		if m.Pod != nil && m.Pod.Role == RolePrimary && m.state() != dataplane.StatePrimary {
			return true
		}
	}
	return len(s.primaries()) == 0
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

// primariesKey is how a member records the primaries it follows.
func primariesKey(s *Snapshot) string {
	var names []string
	for _, m := range s.primaries() {
		names = append(names, m.Name)
	}
	return strings.Join(names, ",")
}

// follow starts stopped members as secondaries of the current primaries and
// re-points secondaries that follow primaries that changed.
func follow(s *Snapshot) (Action, bool) {
	if len(s.primaries()) == 0 {
		return Action{}, false
	}
	key := primariesKey(s)
	for _, m := range s.Members {
		if !s.desired(m) || s.retiring(m) {
			continue
		}
		switch m.state() {
		case dataplane.StateStopped:
			return Action{Type: ActFollow, Members: []int{m.Ordinal}, Reason: "starting " + m.Name + " as a secondary of " + key}, true
		case dataplane.StateSecondary:
			if m.Pod.Following != key {
				return Action{Type: ActFollow, Members: []int{m.Ordinal}, Reason: "re-pointing " + m.Name + " at " + key}, true
			}
		}
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
		if m.Pod == nil || !s.retiring(m) || (st != dataplane.StateStopped && st != dataplane.StateFailed) {
			continue
		}
		if !s.desired(m) {
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, DeleteClaims: s.Spec.DeleteClaimsOnScaleDown,
				Reason: "scaling down"}, true
		}
		return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Reason: "rolling to revision " + s.Spec.Revision}, true
	}
	return Action{}, false
}

// scaleDown stops the running member with the highest ordinal beyond the
// desired size; retire then deletes it. A primary is stopped too, and promote
// moves the role to a member that stays.
func scaleDown(s *Snapshot) (Action, bool) {
	for i := len(s.Members) - 1; i >= 0; i-- {
		m := s.Members[i]
		if s.desired(m) || m.Pod == nil {
			continue
		}
		st := m.state()
		if st == dataplane.StatePrimary && s.Spec.PlannedSwitchover {
			return switchover(s, m, "scaling down")
		}
		if st == dataplane.StatePrimary || st == dataplane.StateSecondary {
			return Action{Type: ActStop, Members: []int{m.Ordinal}, Reason: "scaling down: stopping " + m.Name}, true
		}
	}
	return Action{}, false
}

// roll moves one healthy member at a time to the current template:
// secondaries first, the highest ordinal first, and primaries last. It stops
// the member; retire deletes its pod and createMissing makes it anew.
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
	target := outdatedSecondary
	if target == nil {
		target = outdatedPrimary
	}
	if target == nil {
		return Action{}, false
	}
	if target == outdatedPrimary && s.Spec.PlannedSwitchover {
		return switchover(s, target, "rolling "+target.Name+" to revision "+s.Spec.Revision)
	}
	return Action{Type: ActStop, Members: []int{target.Ordinal},
		Reason: fmt.Sprintf("rolling %s to revision %s", target.Name, s.Spec.Revision)}, true
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
	if a, ok := needPositions(candidates, "choosing where to move the primary role"); ok {
		return a, true
	}
	if a, ok := unpositioned(candidates, "where to move the primary role"); ok {
		return a, true
	}
	top, err := best(candidates)
	if err != nil {
		return Action{Type: ActRefuse, Reason: "cannot choose where to move the primary role: " + err.Error()}, true
	}
	return Action{Type: ActSwitchover, Members: []int{from.Ordinal, top.Ordinal},
		Reason: fmt.Sprintf("%s: moving the primary role from %s to %s", why, from.Name, top.Name)}, true
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

// positionString renders a position for a message; an empty GTID set would
// otherwise print as nothing.
func positionString(p dataplane.Position) string {
	if s := p.String(); s != "" {
		return s
	}
	return "(empty)"
}
