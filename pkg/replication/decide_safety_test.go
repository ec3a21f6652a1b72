package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

const unk = dataplane.StateUnknown

// gonePrimary is a member whose primary pod went away: no pod, and the
// engine remembers it answered as the primary.
func gonePrimary(s *Snapshot, ordinal int) *Snapshot {
	s.member(ordinal).WasPrimary = true
	return s
}

// TestRulesThatFailedOnTheOldEngine holds one case per engine defect the
// Vitess-realism review reproduced with Decide; each failed on the rules
// before it.
func TestRulesThatFailedOnTheOldEngine(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       *Snapshot
		want    ActionType
		members []int
	}{
		{
			"failover recreates, and so waits for, a more advanced replica whose pod is momentarily gone",
			gonePrimary(snap(3, 1, mem{}, mem{known: 9, away: 2 * time.Second}, mem{pod: "running", state: sec, pos: 5, role: RoleSecondary}), 0),
			ActCreatePods, []int{1},
		},
		{
			"failover waits for an unreachable replica that may have received more than it last reported",
			gonePrimary(snap(3, 1, mem{}, mem{pod: "running", state: unk, pos: -1, known: 3, away: 2 * time.Second},
				mem{pod: "running", state: sec, pos: 5, role: RoleSecondary}), 0),
			ActWait, nil,
		},
		{
			"a stopped outdated primary that holds more is replaced, not passed over for a lagging secondary",
			snap(2, 1, mem{pod: "running", state: stp, pos: 9, revision: "r0"}, mem{pod: "running", state: sec, pos: 5, follows: "s-0"}),
			ActDeletePod, []int{0},
		},
		{
			"a stopped leaving primary that holds more keeps the role",
			snap(1, 1, mem{pod: "running", state: sec, pos: 5, follows: "s-1"}, mem{pod: "running", state: stp, pos: 9}),
			ActPromote, []int{1},
		},
		{
			"scale-down does not stop a primary before a member that stays has caught up",
			snap(1, 1, mem{pod: "running", state: sec, pos: 5, follows: "s-1"}, running(pri, 9)),
			ActWait, nil,
		},
		{
			"manual failover is not bypassed when the survivors read stopped",
			func() *Snapshot {
				s := gonePrimary(snap(3, 1, mem{}, mem{pod: "running", state: stp, pos: 3, role: RoleStopped},
					mem{pod: "running", state: stp, pos: 8, role: RoleStopped}), 0)
				s.Spec.ManualFailover = true
				return s
			}(),
			ActRefuse, nil,
		},
		{
			"a member started as a secondary that still reads stopped is not restarted at once",
			func() *Snapshot {
				s := snap(2, 1, running(pri, 5), running(stp, 5))
				s.member(1).FollowedAt = t0.Add(-2 * time.Second)
				return s
			}(),
			ActWait, nil,
		},
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

// TestLostAndStartingMembers covers the rules for members that do not
// answer: starting, unreachable, on a node that stopped reporting, pending.
func TestLostAndStartingMembers(t *testing.T) {
	vitess := func(s *Snapshot) *Snapshot { s.Spec.IsolatesLostPrimary, s.Spec.DurableFailover = true, true; return s }
	primaryAt := func(m mem) mem { m.role = RolePrimary; return m }
	follower := func(pos int) mem {
		return mem{pod: "running", state: sec, pos: pos, role: RoleSecondary, follows: "s-0"}
	}
	for _, tc := range []struct {
		name    string
		s       *Snapshot
		want    ActionType
		members []int
		check   func(t *testing.T, a Action)
	}{
		{"a member that fails while starting is neither stopped nor deleted",
			snap(2, 1, running(pri, 5), mem{pod: "running", state: bad, pos: -1, up: 30 * time.Second}), ActWait, nil, nil},
		{"a member that fails after it answered is failed, however recently it started",
			func() *Snapshot {
				s := snap(2, 1, running(pri, 5), mem{pod: "running", state: bad, pos: -1, up: 30 * time.Second})
				s.member(1).AnsweredSinceStart = true
				return s
			}(), ActStop, []int{1}, nil},
		{"a pod being deleted on a node that stopped reporting is force-deleted where the data plane isolates it",
			vitess(snap(3, 1, running(pri, 7), mem{pod: "deleting", nodeLost: true}, follower(7))), ActDeletePod, []int{1},
			func(t *testing.T, a Action) { assert.True(t, a.Force) }},
		{"a member that fails after its startup timeout is stopped",
			snap(2, 1, running(pri, 5), mem{pod: "running", state: bad, pos: -1, up: 11 * time.Minute}), ActStop, []int{1}, nil},
		{"an unreachable primary is given LostAfter before a failover",
			snap(3, 1, primaryAt(mem{pod: "running", state: unk, pos: -1, away: 5 * time.Second}), follower(5), follower(5)), ActWait, nil,
			func(t *testing.T, a Action) { assert.Equal(t, 25*time.Second, a.RetryAfter) }},
		{"a primary unreachable past LostAfter on a reporting node has its pod deleted, which fences it",
			snap(3, 1, primaryAt(mem{pod: "running", state: unk, pos: -1, away: 31 * time.Second}), follower(5), follower(7)), ActDeletePod, []int{0},
			func(t *testing.T, a Action) { assert.False(t, a.Force) }},
		{"a primary on a node that stopped reporting has its pod deleted at once where the data plane isolates it",
			vitess(snap(3, 1, primaryAt(mem{pod: "running", nodeLost: true}), follower(5), follower(7))), ActDeletePod, []int{0},
			func(t *testing.T, a Action) {
				assert.True(t, a.Force, "no kubelet will confirm a graceful deletion")
				assert.Contains(t, a.Reason, "before failing over")
			}},
		{"so does one whose graceful deletion waits for that node",
			vitess(snap(3, 1, primaryAt(mem{pod: "deleting", nodeLost: true}), follower(5), follower(7))), ActDeletePod, []int{0},
			func(t *testing.T, a Action) { assert.True(t, a.Force) }},
		{"then it is failed over, not waited for",
			vitess(gonePrimary(snap(3, 1, mem{}, follower(5), follower(7)), 0)), ActPromote, []int{2},
			func(t *testing.T, a Action) {
				assert.True(t, a.Failover)
				assert.Equal(t, 0, *a.From)
				assert.Empty(t, a.Unreachable, "its pod is gone")
			}},
		{"a set whose hooks cannot fence waits for the node to be confirmed down",
			snap(3, 1, primaryAt(mem{pod: "running", nodeLost: true}), follower(5), follower(7)), ActWait, nil,
			func(t *testing.T, a Action) { assert.Contains(t, a.Reason, "node.kubernetes.io/out-of-service") }},
		{"a set whose hooks cannot fence does not take a primary deleted on a dead node for gone",
			snap(3, 1, primaryAt(mem{pod: "deleting", nodeLost: true}), follower(5), follower(7)), ActWait, nil,
			func(t *testing.T, a Action) {
				assert.Contains(t, a.Reason, "being deleted on a node that stopped reporting")
			}},
		{"a pending tablet does not hold the failover of a lost primary: ERS guards its writes",
			vitess(gonePrimary(snap(3, 1, mem{}, mem{pod: "pending"}, follower(7)), 0)), ActPromote, []int{2},
			func(t *testing.T, a Action) { assert.Equal(t, []int{1}, a.Unreachable) }},
		{"a pending member whose position was never learned holds an RSS failover: its claim may hold acknowledged writes",
			gonePrimary(snap(3, 1, mem{}, mem{pod: "pending"}, follower(7)), 0), ActWait, nil, nil},
		{"... until it is stale",
			gonePrimary(snap(3, 1, mem{}, mem{pod: "pending", away: time.Minute}, follower(7)), 0), ActPromote, []int{2}, nil},
		{"an unreachable replica that held less does not hold the failover",
			vitess(gonePrimary(snap(3, 1, mem{}, mem{pod: "running", state: unk, pos: -1, known: 4, away: time.Second}, follower(7)), 0)),
			ActPromote, []int{2}, func(t *testing.T, a Action) { assert.Equal(t, []int{1}, a.Unreachable) }},
		{"an unreachable replica that held more holds the failover until it is lost",
			vitess(gonePrimary(snap(3, 1, mem{}, mem{pod: "running", state: unk, pos: -1, known: 9, away: time.Second}, follower(7)), 0)),
			ActWait, nil, nil},
		{"a replica lost for good no longer holds the failover",
			vitess(gonePrimary(snap(3, 1, mem{}, mem{pod: "running", state: unk, pos: -1, known: 9, away: 40 * time.Second}, follower(7)), 0)),
			ActPromote, []int{2}, nil},
		{"a member on a node that stopped reporting is replaced, force-deleted, once a primary runs",
			vitess(snap(3, 1, running(pri, 7), mem{pod: "running", nodeLost: true, role: RoleSecondary}, follower(7))), ActDeletePod, []int{1},
			func(t *testing.T, a Action) { assert.True(t, a.Force) }},
		{"a member unreachable past LostAfter on a reporting node is deleted gracefully",
			snap(3, 1, running(pri, 7), mem{pod: "running", state: unk, pos: -1, away: time.Minute}, follower(7)), ActDeletePod, []int{1},
			func(t *testing.T, a Action) { assert.False(t, a.Force) }},
		{"an unreachable secondary within LostAfter is left alone",
			snap(3, 1, running(pri, 7), mem{pod: "running", state: unk, pos: -1, away: time.Second}, follower(7)), ActWait, nil, nil},
		{"a set with no eligible member is refused, not fenced in a loop",
			func() *Snapshot {
				s := snap(2, 1, running(pri, 1), running(sec, 1))
				s.Spec.Desired = map[int]bool{0: false, 1: false}
				return s
			}(), ActRefuse, nil, nil},
		{"records no member stands for are forgotten, from a member that answers",
			func() *Snapshot {
				s := snap(2, 1, running(pri, 5), mem{pod: "running", state: sec, pos: 5, follows: "s-0"})
				s.Strangers = []string{"zone1-0000000199"}
				return s
			}(), ActForget, []int{0}, func(t *testing.T, a Action) { assert.Equal(t, []string{"zone1-0000000199"}, a.IDs) }},
		{"of two primaries the older term is fenced",
			func() *Snapshot {
				s := snap(2, 1, running(pri, 5), running(pri, 5))
				s.member(0).Probe.Term, s.member(1).Probe.Term = 20, 10
				return s
			}(), ActFence, []int{1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := decideStep(tc.s)
			assert.Equal(t, tc.want, a.Type, a.String())
			if tc.members != nil {
				assert.Equal(t, tc.members, a.Members, a.String())
			}
			if tc.check != nil {
				tc.check(t, a)
			}
		})
	}
}

// TestPromotedLostPrimaryBindsWhatItHeldWhenPromoted: a secondary promoted
// over a lost primary and lost in turn may be the only member left holding
// writes it acknowledged as a secondary (make chaos lost 230 that way).
func TestPromotedLostPrimaryBindsWhatItHeldWhenPromoted(t *testing.T) {
	// s-0 was promoted at 401 and its pod went away; s-1, the primary
	// before it, went too; s-2 lagged at 171.
	shard := func(s0 mem) *Snapshot {
		s := gonePrimary(gonePrimary(snap(3, 1, s0, mem{known: 355, away: 10 * time.Second},
			mem{pod: "running", state: stp, pos: 171, role: RoleStopped}), 0), 1)
		s.member(0).PromotedAt = dataplane.Sequence(401)
		s.member(1).PromotedAt = dataplane.Sequence(46)
		return s
	}
	for _, tc := range []struct {
		name    string
		s       *Snapshot
		want    ActionType
		members []int
	}{
		{"its pod is made anew rather than promoting a member that lacks what it held",
			shard(mem{known: 401, away: 500 * time.Millisecond}), ActCreatePods, []int{0}},
		{"while its pod is deleted or starts, the failover waits",
			shard(mem{pod: "deleting", known: 401, away: time.Second}), ActWait, nil},
		{"past LostAfter the failover goes ahead: availability is safety too",
			shard(mem{known: 401, away: time.Minute}), ActPromote, []int{2}},
		{"back, it is the one promoted",
			shard(mem{pod: "running", state: stp, pos: 401, up: time.Second}), ActPromote, []int{0}},
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
