package replication

import (
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// roleLabel is the role label value for a probed state.
func roleLabel(st dataplane.State) string {
	switch st {
	case dataplane.StatePrimary:
		return RolePrimary
	case dataplane.StateSecondary:
		return RoleSecondary
	}
	return RoleStopped
}

// syncLabels sets each answering member's role label to its state, so the
// client Service selects exactly the running primaries.
func syncLabels(s *Snapshot) (Action, bool) {
	var stale []int
	for _, m := range s.Members {
		if s.availabilityOf(m) == answering && m.Pod.Role != roleLabel(m.state()) {
			stale = append(stale, m.Ordinal)
		}
	}
	if len(stale) == 0 {
		return Action{}, false
	}
	return Action{Type: ActLabel, Members: stale, Reason: "role labels differ from probed states"}, true
}

// forgetStrangers deletes the data plane's records of members that no
// member stands for any more: a Vitess reparent waits for every tablet
// recorded in the shard, so one left behind would block every reparent.
func forgetStrangers(s *Snapshot) (Action, bool) {
	if len(s.Strangers) == 0 {
		return Action{}, false
	}
	for _, m := range s.Members {
		if s.availabilityOf(m) == answering {
			return Action{Type: ActForget, Members: []int{m.Ordinal}, IDs: s.Strangers,
				Reason: "deleting records that no member stands for: " + strings.Join(s.Strangers, ", ")}, true
		}
	}
	return Action{}, false
}
