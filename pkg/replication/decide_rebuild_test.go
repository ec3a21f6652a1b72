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
