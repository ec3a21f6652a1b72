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
func mostAdvanced(candidates, others []*Member, what string) (*Member, Action, bool) {
	if a, ok := needPositions(append(slices.Clone(candidates), others...), "choosing "+what); ok {
		return nil, a, true
	}
	if a, ok := unpositioned(candidates, what); ok {
		return nil, a, true
	}
	top, err := best(candidates)
	if err != nil {
		return nil, Action{Type: ActRefuse, Reason: "cannot choose " + what + ": " + err.Error()}, true
	}
	return top, Action{}, false
}
