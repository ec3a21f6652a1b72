package replication

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

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
	return Action{Type: gatherPositions, Members: missing, Reason: why}, true
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

// positionRetry is how soon a pass asks again for positions that could not
// be read.
const positionRetry = 5 * time.Second

// unpositioned waits, naming the candidates whose position could
// not be read. A choice among the others could pass over the most advanced
// member and lose its writes, so the engine waits until every candidate
// answers, or until one that keeps failing is handled as a failed member.
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
	return Action{Type: ActWait, RetryAfter: positionRetry, Reason: "cannot choose " + what + ": " + strings.Join(failed, ", ") + " could not report its position"}, true
}

// positionString renders a position for a message; an empty GTID set would
// otherwise print as nothing.
func positionString(p dataplane.Position) string {
	if p == nil {
		return "(unknown)"
	}
	if s := p.String(); s != "" {
		return s
	}
	return "(empty)"
}

// mostAdvanced chooses what (as "a member to promote") among candidates: it
// first needs the positions of the candidates and of others whose positions
// bear on the choice, waits while a candidate's position is unknown, and
// refuses positions that cannot be ordered. When it answers with an action
// (ok), that is the pass's answer; else the member is the choice.
func mostAdvanced(s *Snapshot, candidates, others []*Member, what string) (*Member, Action, bool) {
	if a, ok := needPositions(append(slices.Clone(candidates), others...), "choosing "+what); ok {
		return nil, a, true
	}
	if a, ok := unpositioned(candidates, what); ok {
		return nil, a, true
	}
	top, err := bestAcknowledged(s, candidates)
	if err != nil {
		return nil, Action{Type: ActRefuse, Reason: "cannot choose " + what + ": " + err.Error()}, true
	}
	return top, Action{}, false
}

// bestAcknowledged is best among the candidates, less those holding
// unacknowledged transactions of their own (unacknowledged); an error says
// which were passed over.
func bestAcknowledged(s *Snapshot, candidates []*Member) (*Member, error) {
	var kept []*Member
	var dropped []string
	for _, c := range candidates {
		if errant, ok := s.unacknowledged(c); ok {
			dropped = append(dropped, fmt.Sprintf("%s holds %s, which it committed and no other member holds", c.Name, errant))
			continue
		}
		kept = append(kept, c)
	}
	top, err := best(kept)
	switch {
	case err != nil && len(dropped) > 0:
		return nil, fmt.Errorf("%w (passed over: %s)", err, strings.Join(dropped, "; "))
	case err != nil:
		return nil, err
	case top == nil && len(dropped) > 0:
		return nil, fmt.Errorf("every candidate holds transactions no other member holds: %s", strings.Join(dropped, "; "))
	}
	// A member passed over still binds the choice with the rest of its
	// data, which other members may have acknowledged.
	for _, c := range candidates {
		if pos := s.acknowledgedPosition(c); c != top && !holds(top.Position, pos) {
			return nil, fmt.Errorf("%s holds transactions %s lacks besides those no other member holds (passed over: %s)",
				c.Name, top.Name, strings.Join(dropped, "; "))
		}
	}
	return top, nil
}

// unacknowledged returns, in a set whose failover is durable, the
// transactions member c committed itself, as a primary, that no other member
// holds (errant transactions), when there are any and that can be told:
// every other member that could hold them answered with its position in
// this pass, and of a lost primary, which may have received them as c's
// replica before its own promotion, the last position is known (found by
// make chaos: a former primary's writes, acknowledged by the replica that
// succeeded it, looked unacknowledged once that one was lost in turn, and
// a failover gave them up). A primary that crashed after committing them,
// before any replica received them, brings them back with its pod. No replica holding
// them, no durability policy that needs a replica's acknowledgement
// acknowledged them; promoting c would put them in the shard's history,
// diverged from every other member. Vitess's EmergencyReparentShard passes
// such tablets over the same way
// (go/vt/vtctl/reparentutil/emergency_reparenter.go, findErrantGTIDs).
func (s *Snapshot) unacknowledged(c *Member) (dataplane.GTIDSet, bool) {
	if !s.Spec.DurableFailover || c.Probe == nil || c.Position == nil {
		return dataplane.GTIDSet{}, false
	}
	var others []dataplane.Position
	for _, m := range s.Members {
		switch {
		case m == c:
		case m.Position != nil && s.availabilityOf(m) == answering:
			others = append(others, m.Position)
		case rival(s, m):
			return dataplane.GTIDSet{}, false
		case !m.formerPrimary():
			// An rdonly tablet that does not answer acknowledges nothing.
		case m.Known != nil:
			// A lost primary: what it last reported holding it had
			// received, and acknowledged, while c was the primary.
			others = append(others, m.Known)
		default:
			return dataplane.GTIDSet{}, false
		}
	}
	errant, ok := dataplane.Unreplicated(c.Position, c.Probe.ServerID, others)
	return errant, ok && !errant.Empty()
}

// acknowledgedPosition is what of m's position a failover must keep: all of
// it, less its unacknowledged transactions.
func (s *Snapshot) acknowledgedPosition(m *Member) dataplane.Position {
	if errant, ok := s.unacknowledged(m); ok {
		if g, isSet := m.Position.(dataplane.GTIDSet); isSet {
			return g.Minus(errant)
		}
	}
	return m.Position
}
