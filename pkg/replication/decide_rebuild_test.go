package replication

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// TestADivergedSecondaryIsRebuiltFromThePrimary proves a secondary holding
// a commit of its own that no other member holds (a primary killed before
// any replica received it) is stopped, then rebuilt once the primary and
// another member hold everything else it has, and left alone when that
// would leave an acknowledged write on fewer than two members.
func TestADivergedSecondaryIsRebuiltFromThePrimary(t *testing.T) {
	const (
		primary = "3e11fa47-71ca-11e1-9e33-c80aa9429562" // member 0
		former  = "8e8f7b52-4b2a-11ee-a0d1-0242ac120002" // member 1, primary before it
		third   = "c3c40462-32a7-ce85-c97e-5a383534b453" // member 2
	)
	gtids := gtidsOf(t)
	for _, tc := range []struct {
		name     string
		states   [3]dataplane.State
		change   func(s *Snapshot)
		wantType ActionType
		want     []int
		reason   string
	}{
		{"a replicating diverged member is stopped first", [3]dataplane.State{pri, sec, sec}, nil, ActStop, []int{1}, former + ":6"},
		{"stopped, with a witness: rebuilt", [3]dataplane.State{pri, stp, sec}, nil,
			ActRebuild, []int{1}, "s-0 and s-2 hold everything else"},
		{"stopped, the other replica still catching up: wait", [3]dataplane.State{pri, stp, sec}, func(s *Snapshot) {
			s.Members[2].Position = gtids(primary + ":1-15," + former + ":1-4")
		}, ActWait, nil, "waiting for s-2"},
		{"no other replica would acknowledge the primary's writes: left running", [3]dataplane.State{pri, sec, stp}, nil,
			ActFollow, []int{2}, "starting s-2"},
		{"a driver that cannot discard data: left alone", [3]dataplane.State{pri, sec, sec},
			func(s *Snapshot) { s.Spec.RebuildsDiverged = false }, ActNone, nil, ""},
		{"the commit reached another member: nothing diverged", [3]dataplane.State{pri, sec, sec}, func(s *Snapshot) {
			s.Members[2].Position = gtids(primary + ":1-20," + former + ":1-6")
		}, ActNone, nil, ""},
		{"its vttablet exits at every start on the errant commit, its mysqld tells its position: rebuilt",
			[3]dataplane.State{pri, dataplane.StateFailed, sec}, func(s *Snapshot) { s.Members[1].Probe.AgentDown = true },
			ActRebuild, []int{1}, "s-0 and s-2 hold everything else"},
		{"a failed member whose mysqld does not answer either: not rebuilt", [3]dataplane.State{pri, dataplane.StateFailed, sec}, nil,
			ActStop, []int{1}, "status failed"},
		{"the primary lacks what it may have acknowledged: no rebuild", [3]dataplane.State{pri, sec, sec}, func(s *Snapshot) {
			s.Members[0].Position = gtids(primary + ":1-20," + former + ":1-4")
		}, ActNone, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(3, 1, mem{pod: "running", state: tc.states[0], pos: 1}, mem{pod: "running", state: tc.states[1], pos: 1},
				mem{pod: "running", state: tc.states[2], pos: 1})
			s.Spec.DurableFailover, s.Spec.RebuildsDiverged = true, true
			for i, p := range []struct{ pos, id string }{
				{primary + ":1-20," + former + ":1-5", primary},
				{primary + ":1-20," + former + ":1-6", former},
				{primary + ":1-20," + former + ":1-5", third},
			} {
				s.Members[i].Position, s.Members[i].Probe.ServerID = gtids(p.pos), p.id
				s.Members[i].Probe.Source = ""
			}
			for _, m := range s.Members[1:] {
				if m.state() == sec {
					m.Pod.Following = primariesKey(s)
				}
			}
			if tc.change != nil {
				tc.change(s)
			}
			a := decideStep(s)
			assert.Equal(t, tc.wantType, a.Type, "%s", a)
			assert.Equal(t, tc.want, a.Members, "%s", a)
			assert.Contains(t, a.Reason, tc.reason)
		})
	}
}

// TestASeedPastMembersWithCommitsOfTheirOwn replays a seed make test's
// chaos run refused for good: no primary runs; members 0 and 1 each hold
// commits of their own nobody received, member 0 also the acknowledged
// transactions of member 1 (it was its replica, then its successor),
// member 2, the only clean one, lacks those. The seed goes to a member
// holding every acknowledged transaction, after the members holding commits
// it lacks are rebuilt, one at a time; never to one whose acknowledged
// commits would look unacknowledged once those are rebuilt (member 1 here,
// with fewer commits of its own: member 0 alone holds its acknowledged
// ones); with no such member it is refused as before.
func TestASeedPastMembersWithCommitsOfTheirOwn(t *testing.T) {
	const (
		a = "3e11fa47-71ca-11e1-9e33-c80aa9429562" // member 0
		b = "8e8f7b52-4b2a-11ee-a0d1-0242ac120002" // member 1
		c = "c3c40462-32a7-ce85-c97e-5a383534b453" // member 2
		d = "0c7a2f5e-9b1d-4e6a-8f3c-2d4b5a6e7f80" // a former member
		e = "5f4e3d2c-1b0a-4987-a6b5-c4d3e2f1a0b9" // another
	)
	gtids := gtidsOf(t)
	for _, tc := range []struct {
		name      string
		positions [3]string
		ids       [3]string
		noRebuild bool
		wantType  ActionType
		want      []int
		reason    string
	}{
		{"the member holding commits the chosen one lacks is rebuilt first",
			[3]string{b + ":1-9," + a + ":1-31", b + ":1-10", b + ":1-5"}, [3]string{a, b, c}, false,
			ActRebuild, []int{1}, "discarding the data of s-1, which holds " + b + ":10"},
		{"then the member holding every acknowledged transaction is seeded",
			[3]string{b + ":1-9," + a + ":1-31", "", b + ":1-5"}, [3]string{a, b, c}, false,
			ActSeed, []int{0}, "its own unacknowledged commits " + a + ":1-31 kept as history"},
		{"rebuilding would discard the last other copy of the chosen one's acknowledged commits: refused",
			[3]string{b + ":1-9," + a + ":1", b + ":1-10," + d + ":1", b + ":1-5," + d + ":1"}, [3]string{a, b, c}, false,
			ActRefuse, nil, "cannot choose a seed"},
		{"the only member holding every acknowledged transaction is chosen, whatever it holds of its own",
			[3]string{b + ":1-9," + a + ":1-31", b + ":1-5:10", b + ":1-5"}, [3]string{a, b, c}, false,
			ActRebuild, []int{1}, "discarding the data of s-1, which holds " + b + ":10"},
		{"every member with commits of its own: all but one rebuilt, one at a time",
			[3]string{b + ":1-5," + a + ":1", b + ":1-5," + c + ":1-2", b + ":1-6"}, [3]string{a, c, b}, false,
			ActRebuild, []int{1}, "discarding the data of s-1"},
		{"no member holds every acknowledged transaction: refused",
			[3]string{b + ":1-5," + a + ":1", b + ":1-5," + d + ":1-3", b + ":1-5," + e + ":1"}, [3]string{a, b, c}, false,
			ActRefuse, nil, "cannot choose a seed"},
		{"a clean member holds every acknowledged transaction, another holds commits of its own: that one is rebuilt before the seed",
			[3]string{b + ":1-9", b + ":1-9," + a + ":1-2", b + ":1-9"}, [3]string{c, a, e}, false,
			ActRebuild, []int{1}, "discarding the data of s-1, which holds " + a + ":1-2"},
		{"a driver that cannot discard data: refused",
			[3]string{b + ":1-9," + a + ":1-31", b + ":1-10", b + ":1-5"}, [3]string{a, b, c}, true,
			ActRefuse, nil, "cannot choose a seed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(3, 1, mem{pod: "running", state: stp, pos: 1}, mem{pod: "running", state: stp, pos: 1},
				mem{pod: "running", state: stp, pos: 1})
			s.Spec.DurableFailover, s.Spec.RebuildsDiverged = true, !tc.noRebuild
			for i := range s.Members {
				s.Members[i].Position, s.Members[i].Probe.ServerID = gtids(tc.positions[i]), tc.ids[i]
				s.Members[i].Probe.Source = ""
			}
			act := decideStep(s)
			assert.Equal(t, tc.wantType, act.Type, "%s", act)
			assert.Equal(t, tc.want, act.Members, "%s", act)
			assert.Contains(t, act.Reason, tc.reason)
		})
	}
}
