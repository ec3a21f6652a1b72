package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestAGoingPrimaryHandsItsRoleOver proves a primary whose pod is being
// deleted while it holds (an eviction by a node drain) has its role moved
// by a planned switchover, and when that does not apply.
func TestAGoingPrimaryHandsItsRoleOver(t *testing.T) {
	vitess := func(s *Snapshot) *Snapshot {
		s.Spec.HoldsGoingPrimary, s.Spec.PlannedSwitchover, s.Spec.IsolatesLostPrimary, s.Spec.DurableFailover = true, true, true, true
		return s
	}
	holding := func(s *Snapshot, ordinal int) *Snapshot { s.member(ordinal).Pod.Holds = true; return s }
	going := mem{pod: "deleting", role: RolePrimary}
	follower := func(pos int) mem {
		return mem{pod: "running", state: sec, pos: pos, role: RoleSecondary, follows: "s-0"}
	}
	for _, tc := range []struct {
		name    string
		s       *Snapshot
		want    ActionType
		members []int
	}{
		{"a drained primary's role moves to the most advanced secondary in one planned step",
			holding(vitess(snap(3, 1, going, follower(5), follower(7))), 0), ActSwitchover, []int{0, 2}},
		{"with no secondary to take it, the pass waits while the pod holds",
			holding(vitess(snap(3, 1, going, mem{pod: "pending"}, mem{pod: "running", state: bad, pos: -1})), 0), ActWait, nil},
		{"a pod made without the hook does not hold: the failover rules take it",
			vitess(snap(3, 1, going, follower(5), follower(7))), ActPromote, []int{2}},
		{"nor does one on a node that stopped reporting: it is force-deleted before the failover",
			holding(vitess(snap(3, 1, mem{pod: "deleting", role: RolePrimary, nodeLost: true}, follower(5), follower(7))), 0), ActDeletePod, []int{0}},
		{"a set whose pods do not hold fails over as before",
			func() *Snapshot {
				s := holding(vitess(snap(3, 1, going, follower(5), follower(7))), 0)
				s.Spec.HoldsGoingPrimary = false
				return s
			}(), ActPromote, []int{2}},
		{"a primary whose pod the engine deleted because it could not be reached is failed over, not waited for",
			holding(vitess(snap(3, 1, mem{pod: "deleting", role: RolePrimary, away: 31 * time.Second}, follower(5), follower(7))), 0),
			ActPromote, []int{2}},
		{"as is one whose handover kept failing for LostAfter",
			holding(vitess(snap(3, 1, mem{pod: "deleting", role: RolePrimary, away: 40 * time.Second}, follower(5), follower(7))), 0),
			ActPromote, []int{2}},
		{"a deleting secondary is not a primary to hand over",
			holding(vitess(snap(3, 1, running(pri, 7), mem{pod: "deleting", role: RoleSecondary}, follower(7))), 1), ActWait, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := decideStep(tc.s)
			assert.Equal(t, tc.want, a.Type, a.String())
			if tc.members != nil {
				assert.Equal(t, tc.members, a.Members, a.String())
			}
		})
	}
}
