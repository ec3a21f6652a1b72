package replication

import (
	"fmt"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// promote makes a member a primary while fewer run than asked for and some
// member still runs. When a primary was lost this is the failover: the lost
// primary must be fenced first (gone, stopped, or isolated by the data
// plane), and the member promoted is the most advanced one that stays,
// never one less advanced than a member whose position is known or was
// recently known.
func promote(s *Snapshot) (Action, bool) {
	prim := s.primaries()
	if len(prim) >= s.wantPrimaries() {
		return Action{}, false
	}
	lostPrimaries := formerPrimariesGone(s)
	failingOver := len(lostPrimaries) > 0 || (len(prim) == 0 && anyRunningApp(s))
	if !failingOver && !anyRunningApp(s) {
		return Action{}, false // nothing runs and nothing ran: that is seed's step
	}
	var from *int
	for _, m := range lostPrimaries {
		if a, ok := waitForFormerPrimary(s, m); ok {
			return a, true
		}
		if a, ok := releaseLostPrimary(s, m); ok {
			return a, true
		}
		from = &m.Ordinal
	}
	candidates := promotionCandidates(s)
	if len(candidates) == 0 {
		return Action{}, false
	}
	top, a, ok := mostAdvanced(s, candidates, answeringRivals(s, candidates), "a member to promote")
	if ok {
		if r, ok := recreateFormerPrimary(s, a); ok {
			return r, true
		}
		return a, true
	}
	top, a, ok = checkRivals(s, top)
	if ok {
		return a, true
	}
	if top == nil {
		return Action{}, false // a stopped member on its way out holds more: it is replaced first
	}
	if a, ok := promotedAhead(s, top); ok {
		return a, true
	}
	if failingOver && s.Spec.ManualFailover {
		return Action{Type: ActRefuse, Reason: fmt.Sprintf(
			"the primary is lost and failover is manual; %s at position %s is the most advanced candidate", top.Name, positionString(top.Position))}, true
	}
	return Action{Type: ActPromote, Members: []int{top.Ordinal}, Failover: failingOver, From: from, Unreachable: notAnswering(s, top),
		Reason: fmt.Sprintf("%d of %d primaries run; promoting %s at position %s", len(prim), s.wantPrimaries(), top.Name, positionString(top.Position))}, true
}

// recreateFormerPrimary answers a refused choice of whom to promote (the
// candidates' positions diverge) in a set whose data plane isolates a lost
// primary, with the pod of a former primary that has none: its data may
// settle which transactions were acknowledged. No primary runs, and one made
// anew returns as the data plane's records say (a Vitess tablet comes back
// read-only unless the shard record still names it, and then it is the
// shard's only primary).
func recreateFormerPrimary(s *Snapshot, refused Action) (Action, bool) {
	if refused.Type != ActRefuse || !s.Spec.IsolatesLostPrimary || len(s.primaries()) > 0 {
		return Action{}, false
	}
	for _, m := range s.Members {
		if s.desired(m) && m.Pod == nil && m.formerPrimary() {
			return Action{Type: ActCreatePods, Members: []int{m.Ordinal}, Reason: refused.Reason +
				"; recreating former primary " + m.Name + ", whose data may tell which were acknowledged"}, true
		}
	}
	return Action{}, false
}

// formerPrimariesGone are the members that acted as primaries and do not
// answer as primaries now.
func formerPrimariesGone(s *Snapshot) []*Member {
	var out []*Member
	for _, m := range s.Members {
		if m.formerPrimary() && m.state() != dataplane.StatePrimary {
			out = append(out, m)
		}
	}
	return out
}

// waitForFormerPrimary holds a failover while a lost primary might still
// take writes. Unreachable for less than LostAfter on a node that still
// reports: a moment's trouble must not cost a failover, so it waits. Longer:
// its pod is deleted, which its kubelet carries out, and that fences it. On
// a node that stopped reporting: a set whose data plane isolates what it
// cannot reach fails over once the pod is deleted with no grace period (at
// once: no kubelet has to confirm), so that when the node comes back the
// old primary, still writable, is reachable by no name (the pod's DNS
// record and endpoints go with the pod object) and its kubelet stops it
// (found by make chaos: promoted first, the old primary answered beside
// the new one for a second after its node returned); any other set waits
// until Kubernetes removes the pod, which it does once the node is
// confirmed down.
func waitForFormerPrimary(s *Snapshot, m *Member) (Action, bool) {
	if onDeadNode(s, m) {
		return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Leaving: !s.desired(m), Force: true, Reason: fmt.Sprintf(
			"primary %s is on a node that stopped reporting; deleting its pod with no grace period before failing over, "+
				"so that it is reachable by no name when the node returns", m.Name)}, true
	}
	if m.Pod != nil && m.Pod.Deleting && m.Pod.NodeUnreachable && !s.Spec.IsolatesLostPrimary {
		// Its deletion waits for a kubelet that stopped reporting: the
		// process may still run.
		return Action{Type: ActWait, Reason: fmt.Sprintf(
			"primary %s is being deleted on a node that stopped reporting, and the set's hooks cannot fence it: waiting until Kubernetes removes its pod, "+
				"which it does once the node is confirmed down (taint it node.kubernetes.io/out-of-service=nodeshutdown:NoExecute, or delete the Node)",
			m.Name)}, true
	}
	switch s.availabilityOf(m) {
	case unreachable:
		left := s.Spec.lostAfter() - s.unavailableFor(m)
		return Action{Type: ActWait, RetryAfter: left, Reason: fmt.Sprintf(
			"primary %s cannot be reached (%s); failing over if it still cannot in %s", m.Name, detail(m), left.Round(time.Second))}, true
	case lost:
		switch {
		case !m.Pod.NodeUnreachable:
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Leaving: !s.desired(m), Reason: fmt.Sprintf(
				"primary %s cannot be reached for %s (%s); deleting its pod, which its kubelet carries out, fences it",
				m.Name, s.unavailableFor(m).Round(time.Second), detail(m))}, true
		case !s.Spec.IsolatesLostPrimary:
			return Action{Type: ActWait, Reason: fmt.Sprintf(
				"primary %s is on a node that stopped reporting and the set's hooks cannot fence it: waiting until Kubernetes removes its pod, "+
					"which it does once the node is confirmed down (taint it node.kubernetes.io/out-of-service=nodeshutdown:NoExecute, or delete the Node)",
				m.Name)}, true
		}
	}
	return Action{}, false
}

// promotionCandidates are the members that may take the primary role:
// eligible, staying, and answering as secondaries or stopped.
func promotionCandidates(s *Snapshot) []*Member {
	var out []*Member
	for _, m := range s.Members {
		st := m.state()
		if s.eligible(m) && !s.retiring(m) && s.availabilityOf(m) == answering &&
			(st == dataplane.StateSecondary || st == dataplane.StateStopped) {
			out = append(out, m)
		}
	}
	return out
}

// rival reports whether a member's data binds a promotion: every member but
// ineligible ones (a Vitess rdonly tablet) and a former primary that is
// gone, whose last writes are the ones a failover gives up by definition.
func rival(s *Snapshot, m *Member) bool {
	if s.desired(m) && !s.eligible(m) {
		return false
	}
	return s.availabilityOf(m) == answering || !m.formerPrimary()
}

// answeringRivals are the answering rivals that are not candidates; their
// positions are asked for beside the candidates'.
func answeringRivals(s *Snapshot, candidates []*Member) []*Member {
	isCandidate := map[*Member]bool{}
	for _, c := range candidates {
		isCandidate[c] = true
	}
	var out []*Member
	for _, m := range s.Members {
		if !isCandidate[m] && rival(s, m) && s.availabilityOf(m) == answering && m.state() != dataplane.StatePrimary {
			out = append(out, m)
		}
	}
	return out
}

// checkRivals checks that top holds everything every rival holds. It returns
// the member to promote (a leaving member that holds more keeps the role),
// nil to yield to the rule that replaces a stopped outdated member, or a
// step that waits for an unavailable member that held more.
func checkRivals(s *Snapshot, top *Member) (*Member, Action, bool) {
	for _, m := range s.Members {
		if m == top || !rival(s, m) {
			continue
		}
		pos := m.Known
		answers := s.availabilityOf(m) == answering
		if answers {
			pos = s.acknowledgedPosition(m)
		}
		// A member that does not answer may hold more than it last
		// reported: a secondary goes on receiving (and acknowledging)
		// writes after its position was read. Its known position is a
		// lower bound only, so unless the data plane's failover guards
		// acknowledged writes itself, it is waited for while it may come
		// back.
		// One whose position this process never learned (the engine asks
		// positions only to choose a primary, and forgets them when it
		// restarts) binds no less: unknown is not empty.
		bound := answers || s.Spec.DurableFailover
		switch {
		case !answers && s.stale(m):
			continue
		case pos == nil && bound:
			continue
		case pos != nil && bound && holds(top.Position, pos):
			continue
		}
		switch {
		case answers && !s.desired(m):
			return m, Action{}, false
		case answers:
			return nil, Action{}, false
		case pos == nil:
			left := s.Spec.lostAfter() - s.unavailableFor(m)
			return nil, Action{Type: ActWait, RetryAfter: left, Reason: fmt.Sprintf(
				"%s may hold writes %s does not (its position is unknown since the operator started); waiting up to %s for it",
				s.describe(m), top.Name, left.Round(time.Second))}, true
		default:
			left := s.Spec.lostAfter() - s.unavailableFor(m)
			return nil, Action{Type: ActWait, RetryAfter: left, Reason: fmt.Sprintf(
				"%s last reported position %s, which %s does not hold; waiting up to %s for it",
				s.describe(m), positionString(pos), top.Name, left.Round(time.Second))}, true
		}
	}
	return top, Action{}, false
}

// promotedAhead holds a promotion of top while a lost primary that this
// process promoted at a position top does not hold may come back. A lost
// primary's own last writes are not rivals (checkRivals): a durability
// policy acknowledged them only once a secondary held them. But what it
// held when it was promoted it had received as a secondary, and it may
// have acknowledged those writes for the primary before it, which may be
// lost as well; then no other member holds them (found by make chaos: a
// secondary promoted over a lost primary was deleted two seconds later,
// and a member 230 acknowledged writes behind was promoted over it). Its
// data is on its claim: a member without a pod gets one, and is waited for
// until it is stale.
func promotedAhead(s *Snapshot, top *Member) (Action, bool) {
	for _, m := range s.Members {
		if m == top || m.PromotedAt == nil || !m.formerPrimary() || s.availabilityOf(m) == answering ||
			holds(top.Position, m.PromotedAt) || s.stale(m) {
			continue
		}
		why := fmt.Sprintf("lost primary %s was promoted at position %s, which %s does not hold, and may have acknowledged those writes as a secondary",
			m.Name, positionString(m.PromotedAt), top.Name)
		if m.Pod == nil && s.desired(m) {
			return Action{Type: ActCreatePods, Members: []int{m.Ordinal}, Reason: why + "; recreating its pod"}, true
		}
		left := s.Spec.lostAfter() - s.unavailableFor(m)
		return Action{Type: ActWait, RetryAfter: left, Reason: fmt.Sprintf("%s; waiting up to %s for it", why, left.Round(time.Second))}, true
	}
	return Action{}, false
}

// holds reports whether position a contains everything b does; positions
// that do not compare do not hold each other.
func holds(a, b dataplane.Position) bool {
	if a == nil {
		return false
	}
	c, ok := a.Compare(b)
	return ok && c >= 0
}

// notAnswering are the members other than except that do not answer: a
// failover must not wait for them.
func notAnswering(s *Snapshot, except *Member) []int {
	var out []int
	for _, m := range s.Members {
		if m != except && m.Pod != nil && s.availabilityOf(m) != answering {
			out = append(out, m.Ordinal)
		}
	}
	return out
}

// holdsEveryMember reports whether m holds the whole position of every
// serving member.
func holdsEveryMember(s *Snapshot, m *Member) bool {
	for _, o := range s.Members {
		if o != m && s.serving(o) && !holds(m.Position, o.Position) {
			return false
		}
	}
	return true
}

// seed starts the first primary when nothing runs and nothing ran: every
// desired member must exist and answer, so the most advanced one is among
// them.
func seed(s *Snapshot) (Action, bool) {
	if s.wantPrimaries() == 0 || anyRunningApp(s) {
		return Action{}, false
	}
	var candidates []*Member
	var missing []int
	var waiting []string
	for _, m := range s.Members {
		switch {
		case !s.desired(m):
		case m.Pod == nil:
			missing = append(missing, m.Ordinal)
		case s.availabilityOf(m) != answering:
			waiting = append(waiting, s.describe(m))
		case s.eligible(m):
			candidates = append(candidates, m)
		}
	}
	if len(missing) > 0 {
		return Action{Type: ActCreatePods, Members: missing, Reason: "every member must run before the seed is chosen"}, true
	}
	if len(waiting) > 0 {
		return Action{Type: ActWait, Reason: "every member must answer before the seed is chosen: waiting for " + strings.Join(waiting, ", ")}, true
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
	top, err := bestAcknowledged(s, cand)
	if err != nil || !holdsEveryMember(s, top) {
		// PlannedReparentShard without a primary promotes only a tablet
		// holding what every tablet holds: members holding commits the
		// seed lacks (unacknowledged, since it holds every acknowledged
		// one) are rebuilt first (found by make chaos: a seed refused
		// over and over after a lost primary's record was released).
		if a, ok := seedPastDivergence(s, cand); ok {
			return a, true
		}
	}
	if err != nil {
		return Action{Type: ActRefuse, Reason: "cannot choose a seed: " + err.Error()}, true
	}
	return Action{Type: ActSeed, Members: []int{top.Ordinal},
		Reason: fmt.Sprintf("seeding from %s at position %s", top.Name, positionString(top.Position))}, true
}

// seedCandidates are the members a seed may start on. After a failed seed
// only members at least as advanced as the failed one qualify, and the
// failed one itself only when no other does.
func seedCandidates(s *Snapshot, ms []*Member) []*Member {
	f := s.FailedSeed
	if f == nil {
		return ms
	}
	var others []*Member
	var failedSeed *Member
	for _, m := range ms {
		if m.Ordinal == f.Ordinal {
			failedSeed = m
			continue
		}
		if holds(m.Position, f.Position) {
			others = append(others, m)
		}
	}
	if len(others) == 0 && failedSeed != nil {
		return []*Member{failedSeed}
	}
	return others
}
