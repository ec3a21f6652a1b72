package replication

import (
	"fmt"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// fenceExtraPrimaries fences a primary when more run than asked for, so
// there are never more primaries than asked.
func fenceExtraPrimaries(s *Snapshot) (Action, bool) {
	prim := s.primaries()
	if len(prim) <= s.wantPrimaries() {
		return Action{}, false
	}
	victim := prim[0]
	for _, m := range prim[1:] {
		if fenceFirst(s, m, victim) {
			victim = m
		}
	}
	return Action{Type: ActFence, Members: []int{victim.Ordinal},
		Reason: fmt.Sprintf("%d primaries run, %d asked for: fencing %s", len(prim), s.wantPrimaries(), victim.Name)}, true
}

// fenceFirst reports whether primary a is fenced before primary b: first a
// member on its way out; then the one with the older term (a primary the
// data plane itself has replaced); then one the engine did not make a
// primary (a pod made anew on a former primary's claim); then the higher
// ordinal.
func fenceFirst(s *Snapshot, a, b *Member) bool {
	if ra, rb := s.retiring(a), s.retiring(b); ra != rb {
		return ra
	}
	if a.Probe.Term != b.Probe.Term {
		return a.Probe.Term < b.Probe.Term
	}
	if la, lb := a.Pod.Role == RolePrimary, b.Pod.Role == RolePrimary; la != lb {
		return !la
	}
	return a.Ordinal > b.Ordinal
}

// handleFailures acts on a member whose status check failed after its
// startup timeout: a primary is fenced, another member stopped; a second
// failure deletes the pod so it is made anew on the same claims.
func handleFailures(s *Snapshot) (Action, bool) {
	for _, m := range s.Members {
		if s.availabilityOf(m) != failed || divergedAndStuck(s, m) {
			continue
		}
		if m.Failures >= 2 {
			return Action{Type: ActDeletePod, Members: []int{m.Ordinal}, Leaving: !s.desired(m),
				Reason: fmt.Sprintf("status failed %d times: %s", m.Failures, m.Probe.Detail)}, true
		}
		if m.formerPrimary() {
			return Action{Type: ActFence, Members: []int{m.Ordinal}, Reason: "primary's status failed: " + m.Probe.Detail}, true
		}
		return Action{Type: ActStop, Members: []int{m.Ordinal}, Reason: "status failed: " + m.Probe.Detail}, true
	}
	return Action{}, false
}

// divergedAndStuck reports whether m's agent fails at every start because
// its data diverged (stuckWithData, holding commits no other member holds):
// restarting it changes nothing, discarding its data does (rebuildDiverged).
func divergedAndStuck(s *Snapshot, m *Member) bool {
	if !s.Spec.RebuildsDiverged || !s.stuckWithData(m) {
		return false
	}
	_, diverged := s.unacknowledged(m)
	return diverged
}

// detail is what the member's probe said, or "" when it was not probed.
func detail(m *Member) string {
	if m.Probe == nil {
		return ""
	}
	return m.Probe.Detail
}

// anyRunningApp reports whether some member runs as a primary or secondary.
func anyRunningApp(s *Snapshot) bool {
	for _, m := range s.Members {
		if st := m.state(); st == dataplane.StatePrimary || st == dataplane.StateSecondary {
			return true
		}
	}
	return false
}

// anyAnswering reports whether some member answers, to run a command from.
func anyAnswering(s *Snapshot) bool {
	for _, m := range s.Members {
		if s.availabilityOf(m) == answering {
			return true
		}
	}
	return false
}

// releaseAfter is how long a member's agent must have been down, its
// database up, before a lost primary's record is released for it: an
// agent starting normally answers within moments of its database.
const releaseAfter = 10 * time.Second

// releaseLostPrimary deletes the data plane's record of gone, a lost
// primary the failover is past waiting for, when another member cannot
// start because of it: its database answers and its agent does not, for
// longer than releaseAfter. A Vitess replica's vttablet asks the primary
// the shard record names for its position before it serves
// (tm_init.go initializeReplication); while that primary is lost it never
// serves, ERS cannot reach it, and under a semi-sync policy refuses for
// good (shown on real Vitess by the scenario
// ReplicaRestartedWhilePrimaryLost). The record deleted, the shard names
// no primary, the member starts, and the next failover reaches it. Only
// for sets whose data plane isolates a lost primary (Vitess): the shard
// record no longer names it, and a primary that comes back registers as a
// replica of the one that follows.
func releaseLostPrimary(s *Snapshot, gone *Member) (Action, bool) {
	if !s.Spec.IsolatesLostPrimary || gone.Released || s.availabilityOf(gone) == answering {
		return Action{}, false
	}
	var stuck []string
	for _, m := range s.Members {
		if m != gone && m.Probe != nil && m.Probe.AgentDown && s.unavailableFor(m) >= releaseAfter {
			stuck = append(stuck, m.Name)
		}
	}
	if len(stuck) == 0 || !anyAnswering(s) {
		// With no member to run the command from, the rules after this
		// one act instead: the lost primary's pod made anew lets the
		// stuck members start (found by make chaos: a release retried
		// every pass, failing, with both replicas stuck).
		return Action{}, false
	}
	return Action{Type: ActRelease, Members: []int{gone.Ordinal}, Reason: fmt.Sprintf(
		"lost primary %s keeps %s from starting (database up, agent waiting for the recorded primary); deleting its record so that they start and the failover can reach them",
		gone.Name, strings.Join(stuck, ", "))}, true
}
