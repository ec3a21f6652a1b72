package replication

import (
	"fmt"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// rebuildRetry is how soon a diverged member waiting for a witness is
// looked at again: a replica catching up takes moments.
const rebuildRetry = 2 * time.Second

// rebuildDiverged makes a diverged secondary new again. A primary killed
// after committing a transaction and before any replica received it brings
// that transaction back with its pod (an errant GTID): no member
// acknowledged it, and no failover may choose the member while it holds it
// (unacknowledged). Left alone, such members pile up, one per primary lost
// mid-write, until every candidate of a later failover holds one and none
// can be promoted; Vitess's own failover refuses the same way. So while the
// set has its primary, the member's data is discarded and it starts again
// from the primary, which holds every other transaction the member has.
//
// Two steps keep every acknowledged write on two members: its replication
// is stopped first, so that it acknowledges nothing more; then, once
// another member besides the primary (the witness) holds everything it
// acknowledged, its data is discarded (ActRebuild) and its pod deleted.
// One member at a time, and only members that answer, or whose database
// answers with its position while its agent cannot start (stuckWithData).
func rebuildDiverged(s *Snapshot) (Action, bool) {
	if !s.Spec.RebuildsDiverged || !s.Spec.DurableFailover {
		return Action{}, false
	}
	prim := s.primaries()
	if len(prim) != 1 || s.wantPrimaries() != 1 || s.availabilityOf(prim[0]) != answering || prim[0].Position == nil {
		return Action{}, false
	}
	p := prim[0]
	for _, m := range s.Members {
		if m == p || !(s.serving(m) || s.stuckWithData(m)) {
			continue
		}
		if a, ok := rebuildIfDiverged(s, p, m); ok {
			return a, true
		}
	}
	return Action{}, false
}

// rebuildIfDiverged is rebuildDiverged's step for member m, if it diverged
// from primary p and can be rebuilt without losing an acknowledged write.
func rebuildIfDiverged(s *Snapshot, p, m *Member) (Action, bool) {
	st := m.state()
	if st != dataplane.StateSecondary && st != dataplane.StateStopped && !s.stuckWithData(m) {
		return Action{}, false
	}
	errant, ok := s.unacknowledged(m)
	if !ok {
		return Action{}, false
	}
	keep := s.acknowledgedPosition(m)
	if !holds(p.Position, keep) {
		// The primary lacks some of what m may have acknowledged: a
		// failover's business, not a rebuild's.
		return Action{}, false
	}
	diverged := fmt.Sprintf("%s holds %s, transactions it committed as a primary that no other member holds and none acknowledged", m.Name, errant)
	witness, replicating := witnessOf(s, p, m, keep)
	switch {
	case st == dataplane.StateSecondary && replicating == nil:
		// Stopped, it would leave the primary no replica to acknowledge
		// its writes; the member stays passed over until one runs.
		return Action{}, false
	case st == dataplane.StateSecondary:
		return Action{Type: ActStop, Members: []int{m.Ordinal}, Reason: diverged +
			"; stopping its replication before its data is discarded, so that it acknowledges nothing more"}, true
	case witness == nil && replicating == nil:
		return Action{}, false // nothing to wait for: follow starts it again
	case witness == nil:
		return Action{Type: ActWait, RetryAfter: rebuildRetry, Reason: fmt.Sprintf(
			"%s; waiting for %s to hold everything else %s holds before discarding its data", diverged, replicating.Name, m.Name)}, true
	}
	return Action{Type: ActRebuild, Members: []int{m.Ordinal}, Reason: fmt.Sprintf(
		"%s; discarding its data and making it again from primary %s (%s and %s hold everything else it has)",
		diverged, p.Name, p.Name, witness.Name)}, true
}

// stuckWithData reports whether m is a desired member whose agent does not
// run while its database answers with its position: a Vitess tablet whose
// vttablet exits at every start because it holds an errant GTID (on MySQL,
// tm_init.go initializeReplication). Its replication never starts, so it
// acknowledges nothing, as a stopped member; only the discarding of its
// data lets it start again.
func (s *Snapshot) stuckWithData(m *Member) bool {
	return s.desired(m) && !s.retiring(m) && m.Probe != nil && m.Probe.AgentDown && m.Position != nil
}

// witnessOf returns a member other than primary p and diverged member m
// that answers and holds keep, and one that replicates (it acknowledges
// the primary's writes while m is stopped, and may catch up to keep).
func witnessOf(s *Snapshot, p, m *Member, keep dataplane.Position) (witness, replicating *Member) {
	for _, o := range s.Members {
		if o == p || o == m || !s.serving(o) {
			continue
		}
		if witness == nil && holds(o.Position, keep) {
			witness = o
		}
		if replicating == nil && o.state() == dataplane.StateSecondary {
			replicating = o
		}
	}
	return witness, replicating
}

// seedPastDivergence is the seed's way out when bestAcknowledged refuses:
// no candidate without commits of its own holds every acknowledged
// transaction (a primary lost mid-write, its successor lost mid-write in
// turn, the tablet that stayed clean down meanwhile). A candidate that
// holds every member's acknowledged transactions keeps every acknowledged
// write; its own unacknowledged commits become history, which loses
// nothing anyone was told was written. Vitess's PlannedReparentShard
// without a primary promotes only a tablet holding everything every
// tablet holds (performPotentialPromotion in
// go/vt/vtctl/reparentutil/planned_reparenter.go), so the members holding
// commits the chosen one lacks are rebuilt first, one at a time, each
// only once the chosen one holds all it may have acknowledged. The
// chosen one is the candidate with the fewest commits of its own, ties to
// the lowest ordinal. Every desired member answered (seed), so what is
// unacknowledged can be told.
func seedPastDivergence(s *Snapshot, candidates []*Member) (Action, bool) {
	if !s.Spec.RebuildsDiverged || !s.Spec.DurableFailover {
		return Action{}, false
	}
	members := s.servingMembers()
	if a, ok := needPositions(members, "seeding past members with commits of their own"); ok {
		return a, true
	}
	for _, m := range members {
		if m.Position == nil {
			return Action{}, false
		}
	}
	x := holderOfEveryAcknowledged(s, candidates, members)
	if x == nil {
		return Action{}, false
	}
	errant, _ := s.unacknowledged(x)
	why := fmt.Sprintf("no member without commits of its own holds every acknowledged transaction; %s holds them all", x.Name)
	for _, m := range members {
		if m == x || holds(x.Position, m.Position) {
			continue
		}
		lacks := "transactions " + x.Name + " lacks"
		if g, ok := m.Position.(dataplane.GTIDSet); ok {
			if xg, ok := x.Position.(dataplane.GTIDSet); ok {
				lacks = g.Minus(xg).String()
			}
		}
		return Action{Type: ActRebuild, Members: []int{m.Ordinal}, Reason: fmt.Sprintf(
			"%s; discarding the data of %s, which holds %s, none of them acknowledged, so that %s can be seeded (a new primary must hold what every member holds)",
			why, m.Name, lacks, x.Name)}, true
	}
	kept := ""
	if !errant.Empty() {
		kept = fmt.Sprintf(", its own unacknowledged commits %s kept as history", errant)
	}
	return Action{Type: ActSeed, Members: []int{x.Ordinal}, Reason: fmt.Sprintf(
		"%s; seeding from %s at position %s%s", why, x.Name, positionString(x.Position), kept)}, true
}

// holderOfEveryAcknowledged is the candidate that holds the acknowledged
// position of every one of members and keeps the evidence of its own
// (keepsEvidence), with the fewest unacknowledged commits of its own, ties
// to the lowest ordinal; nil if none does.
func holderOfEveryAcknowledged(s *Snapshot, candidates, members []*Member) *Member {
	var top *Member
	var topErrant uint64
	for _, c := range candidates {
		all := true
		for _, m := range members {
			if m != c && !holds(c.Position, s.acknowledgedPosition(m)) {
				all = false
				break
			}
		}
		errant, _ := s.unacknowledged(c)
		if !all || !keepsEvidence(c, members, errant) {
			continue
		}
		n := errant.Count()
		if top == nil || n < topErrant || (n == topErrant && c.Ordinal < top.Ordinal) {
			top, topErrant = c, n
		}
	}
	return top
}

// servingMembers are the members serving reports.
func (s *Snapshot) servingMembers() []*Member {
	var out []*Member
	for _, m := range s.Members {
		if s.serving(m) {
			out = append(out, m)
		}
	}
	return out
}

// keepsEvidence says whether candidate c's commits that other members
// acknowledged stay held by a member that is not rebuilt for c (one whose
// whole position c holds). Only another member's copy tells that a commit
// was acknowledged; were the rebuilds to discard the last one, the next
// pass would see those commits as c's own unacknowledged ones and seed
// past them (found by the decision test: the member with the fewest
// commits of its own held acknowledged ones only the member rebuilt for
// it also held). With the evidence kept, every member's acknowledged
// position, and so the choice, stays the same from one rebuild to the
// next, with nothing to remember across a restart.
func keepsEvidence(c *Member, members []*Member, errant dataplane.GTIDSet) bool {
	var kept []dataplane.Position
	for _, m := range members {
		if m != c && holds(c.Position, m.Position) {
			kept = append(kept, m.Position)
		}
	}
	after, ok := dataplane.Unreplicated(c.Position, c.Probe.ServerID, kept)
	return ok && after.Count() == errant.Count()
}
