package replication

import (
	"fmt"
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
