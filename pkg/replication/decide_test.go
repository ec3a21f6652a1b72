package replication

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

const rev = "r1"

// decideStep is Decide's answer as one Action, a need written as a step
// of type needType(kind), for table tests.
func decideStep(s *Snapshot) Action {
	d := Decide(s)
	if n := d.Need; n != nil {
		return Action{Type: needType(n.Kind), Members: n.Members, Reason: n.Reason}
	}
	return d.Step
}

// needType is how decideStep writes a need.
func needType(k NeedKind) ActionType { return ActionType("Need" + string(k)) }

// mem describes one member for a test snapshot in a few characters:
// its pod ("" none, "pending", "running", "deleting", "failed", "evicted"),
// its probed state ("" not probed) and position (-1 not asked).
type mem struct {
	pod      string
	state    dataplane.State
	pos      int
	role     string
	revision string
	follows  string
	failures int
	// known is the position remembered from an earlier pass (-1 or 0: none
	// unless pos says so); away is how long the member has been unavailable.
	known int
	away  time.Duration
	// up is how long ago the pod's containers started; zero means an hour.
	up time.Duration
	// nodeLost marks the pod as on a node that stopped reporting.
	nodeLost bool
	// source is whom the data plane says a secondary replicates from.
	source string
}

// t0 is the time of every test snapshot.
var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func running(st dataplane.State, pos int) mem { return mem{pod: "running", state: st, pos: pos} }

func snap(replicas, primaries int, ms ...mem) *Snapshot {
	s := &Snapshot{Spec: Spec{Desired: Ordinals(replicas), Primaries: primaries, Revision: rev}, Probed: true, Now: t0}
	for i, d := range ms {
		m := &Member{Ordinal: i, Name: fmt.Sprintf("s-%d", i), Failures: d.failures}
		if d.known > 0 {
			m.Known = dataplane.Sequence(d.known)
		}
		if d.away > 0 {
			m.UnavailableSince = t0.Add(-d.away)
		}
		if d.pod != "" {
			up := d.up
			if up == 0 {
				up = time.Hour
			}
			p := &PodView{Phase: corev1.PodRunning, Role: d.role, Revision: rev, Following: d.follows,
				StartedAt: t0.Add(-up), NodeUnreachable: d.nodeLost}
			if d.revision != "" {
				p.Revision = d.revision
			}
			switch d.pod {
			case "pending":
				p.Phase = corev1.PodPending
			case "deleting":
				p.Deleting = true
			case "failed":
				p.Phase = corev1.PodFailed
			case "evicted":
				p.Phase, p.Evicted = corev1.PodFailed, true
			}
			if p.Role == "" && d.state != "" {
				p.Role = roleLabel(d.state)
			}
			m.Pod = p
		}
		if d.state != "" {
			m.Probe = &Probe{State: d.state, Detail: "detail", Source: d.source}
		}
		if d.pos >= 0 && d.state != "" && d.state != dataplane.StateUnknown && d.state != dataplane.StateFailed {
			m.Position = dataplane.Sequence(d.pos)
			m.Known = m.Position
		}
		s.Members = append(s.Members, m)
	}
	return s
}

const (
	pri = dataplane.StatePrimary
	sec = dataplane.StateSecondary
	stp = dataplane.StateStopped
	bad = dataplane.StateFailed
)

func TestDecide(t *testing.T) {
	unasked := func(st dataplane.State) mem { return mem{pod: "running", state: st, pos: -1} }
	for _, tc := range []struct {
		name    string
		s       *Snapshot
		want    ActionType
		members []int
	}{
		{"new set creates every member at once", snap(3, 1, mem{}, mem{}, mem{}), ActCreatePods, []int{0, 1, 2}},
		{"waits for the cache to show pods it created, even with a primary lost", func() *Snapshot {
			s := snap(3, 1, mem{}, running(sec, 3), running(sec, 8))
			s.Unseen = []string{"s-0"}
			return s
		}(), ActWait, nil},
		{"waits while a pod is pending", snap(3, 1, running(stp, 0), mem{pod: "pending"}, running(stp, 0)), ActWait, nil},
		{"waits while a pod is being deleted", snap(3, 1, running(pri, 5), mem{pod: "deleting"}, mem{pod: "running", state: sec, pos: 5, follows: "s-0"}), ActWait, nil},
		{"probes once pods run", func() *Snapshot {
			s := snap(2, 1, mem{pod: "running"}, mem{pod: "running"})
			s.Probed = false
			return s
		}(), needType(NeedProbe), []int{0, 1}},
		{"asks positions before seeding", snap(3, 1, unasked(stp), unasked(stp), unasked(stp)), needType(NeedPositions), []int{0, 1, 2}},
		{"seeds the highest position", snap(3, 1, running(stp, 4), running(stp, 9), running(stp, 7)), ActSeed, []int{1}},
		{"seed needs every member running", snap(3, 1, running(stp, 4), mem{}, running(stp, 7)), ActCreatePods, []int{1}},
		{"promotes the most advanced survivor after losing the primary", gonePrimary(snap(3, 1, mem{}, running(sec, 3), running(sec, 8)), 0), ActPromote, []int{2}},
		{"an RSS failover after a restart first makes again a member it knows nothing of", snap(3, 1, mem{}, running(sec, 3), running(sec, 8)), ActCreatePods, []int{0}},
		{"after a failed promotion, recreates a missing member that may hold its writes", func() *Snapshot {
			s := snap(3, 1, mem{role: RolePrimary}, mem{}, running(sec, 8))
			s.Members[0].WasPrimary = true
			s.PromoteFailed = true
			return s
		}(), ActCreatePods, []int{1}},
		{"after a failed promotion, never recreates the lost primary first", func() *Snapshot {
			s := snap(3, 1, mem{}, running(sec, 3), running(sec, 8))
			s.Members[0].WasPrimary = true
			s.PromoteFailed = true
			return s
		}(), ActPromote, []int{2}},
		{"asks survivors for positions before failing over", gonePrimary(snap(3, 1, mem{}, unasked(sec), unasked(sec)), 0), needType(NeedPositions), []int{1, 2}},
		{"recreates the lost member once a primary runs", snap(3, 1, mem{}, running(pri, 8), running(sec, 8)), ActCreatePods, []int{0}},
		{"starts a stopped member as a secondary", snap(3, 1, running(pri, 8), running(stp, 2), running(sec, 8)), ActFollow, []int{1}},
		{"re-points a secondary after a failover", snap(2, 1, running(pri, 8), mem{pod: "running", state: sec, pos: 8, follows: "s-9"}), ActFollow, []int{1}},
		{"a reparent already re-pointed the secondary (data plane names the primary)", snap(2, 1, running(pri, 8), mem{pod: "running", state: sec, pos: 8, follows: "s-9", source: "s-0"}), ActNone, nil},
		{"re-points a secondary the data plane shows on another source", snap(3, 1, running(pri, 8), mem{pod: "running", state: sec, pos: 8, follows: "s-0", source: "s-2"}, running(sec, 8)), ActFollow, []int{1}},
		{"leaves a healthy set alone", snap(3, 1, running(pri, 8), mem{pod: "running", state: sec, pos: 8, follows: "s-0"}, mem{pod: "running", state: sec, pos: 8, follows: "s-0"}), ActNone, nil},
		{"every member a primary by default", snap(3, 3, running(pri, 1), running(pri, 1), running(stp, 1)), ActPromote, []int{2}},
		{"stops a member whose status failed", snap(2, 1, running(pri, 1), running(bad, -1)), ActStop, []int{1}},
		{"deletes a member that failed twice", snap(2, 1, running(pri, 1), mem{pod: "running", state: bad, pos: -1, failures: 2}), ActDeletePod, []int{1}},
		{"waits while the primary cannot be reached", snap(3, 1, mem{pod: "running", state: dataplane.StateUnknown, pos: -1, role: RolePrimary}, running(sec, 1), running(sec, 1)), ActWait, nil},
		{"fences a failed primary before anything else", snap(2, 1, mem{pod: "running", state: bad, pos: -1, role: RolePrimary}, running(sec, 1)), ActFence, []int{0}},
		{"fences extra primaries, never more than asked", snap(3, 1, running(pri, 1), running(pri, 1), running(sec, 1)), ActFence, []int{1}},
		{"fences a primary that came back unasked, not the one promoted", snap(3, 1, mem{pod: "running", state: pri, pos: 9, role: RoleStopped}, running(pri, 9), running(sec, 9)), ActFence, []int{0}},
		{"deletes a failed pod", snap(2, 1, running(pri, 1), mem{pod: "failed"}), ActDeletePod, []int{1}},
		{"deletes an evicted pod", snap(2, 1, mem{pod: "evicted"}, running(pri, 1)), ActDeletePod, []int{0}},
		{"fixes a stale role label", snap(1, 1, mem{pod: "running", state: pri, pos: 1, role: RoleStopped}), ActLabel, []int{0}},
		{"scale down stops the highest member first", snap(1, 1, running(pri, 1), running(sec, 1), running(sec, 1)), ActStop, []int{2}},
		{"scale down deletes a stopped member", snap(1, 1, running(pri, 1), running(sec, 1), running(stp, 1)), ActDeletePod, []int{2}},
		{"scale down moves the primary role off a removed member", snap(1, 1, mem{pod: "running", state: sec, pos: 1, follows: "s-1"}, running(pri, 1)), ActStop, []int{1}},
		{"after stopping a removed primary the role moves", snap(1, 1, running(sec, 1), running(stp, 1)), ActPromote, []int{0}},
		{"rolls a secondary first", snap(2, 1, mem{pod: "running", state: pri, pos: 1, revision: "r0"}, mem{pod: "running", state: sec, pos: 1, revision: "r0", follows: "s-0"}), ActStop, []int{1}},
		{"rolls the primary last", snap(2, 1, mem{pod: "running", state: pri, pos: 1, revision: "r0"}, mem{pod: "running", state: sec, pos: 1, follows: "s-0"}), ActStop, []int{0}},
		{"a stopped outdated primary is replaced, not re-promoted", snap(2, 1, mem{pod: "running", state: stp, pos: 1, revision: "r0"}, running(sec, 1)), ActPromote, []int{1}},
		{"a stopped outdated member is deleted to be remade", snap(2, 1, mem{pod: "running", state: stp, pos: 1, revision: "r0"}, running(pri, 1)), ActDeletePod, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := decideStep(tc.s)
			assert.Equal(t, tc.want, a.Type, a.String())
			if tc.members != nil {
				assert.Equal(t, tc.members, a.Members, a.String())
			}
			assert.NotEmpty(t, a.Reason)
		})
	}
}

// TestTiesGoToTheLowestOrdinalAsANumber is a regression test of the
// original RSS operator, which compared names as strings so that member 10
// won a tie against member 2.
func TestTiesGoToTheLowestOrdinalAsANumber(t *testing.T) {
	ms := make([]mem, 11)
	for i := range ms {
		ms[i] = running(stp, 0)
	}
	ms[2], ms[10] = running(stp, 7), running(stp, 7)
	a := decideStep(snap(11, 1, ms...))
	assert.Equal(t, ActSeed, a.Type)
	assert.Equal(t, []int{2}, a.Members)
}

// TestLowerPositionNeverWinsALaterName is a regression test of the original
// RSS seed choice, where a member with a lower sequence but an earlier name
// replaced a better one.
func TestLowerPositionNeverWinsALaterName(t *testing.T) {
	a := decideStep(snap(3, 1, running(stp, 1), running(stp, 9), running(stp, 3)))
	assert.Equal(t, []int{1}, a.Members)
}

// TestFallbackSeedIsNeverLessAdvanced checks that after a seed fails, the
// next choice holds at least the failed member's position.
func TestFallbackSeedIsNeverLessAdvanced(t *testing.T) {
	s := snap(3, 1, running(stp, 9), running(stp, 9), running(stp, 4))
	s.FailedSeed = &SeedAttempt{Ordinal: 0, Position: dataplane.Sequence(9)}
	a := decideStep(s)
	assert.Equal(t, ActSeed, a.Type)
	assert.Equal(t, []int{1}, a.Members, "member 1 holds as much as the failed seed")

	s = snap(3, 1, running(stp, 9), running(stp, 5), running(stp, 4))
	s.FailedSeed = &SeedAttempt{Ordinal: 0, Position: dataplane.Sequence(9)}
	a = decideStep(s)
	assert.Equal(t, []int{0}, a.Members, "no other member is as advanced: retry the failed seed, never a lesser one")
}

// TestNeverMorePrimariesThanAskedFor walks every snapshot of a small set and
// checks that no step ever adds a primary beyond the asked number.
func TestNeverMorePrimariesThanAskedFor(t *testing.T) {
	states := []dataplane.State{pri, sec, stp, bad}
	for want := 1; want <= 3; want++ {
		for a := range states {
			for b := range states {
				for c := range states {
					s := snap(3, want, running(states[a], a), running(states[b], b), running(states[c], c))
					act := decideStep(s)
					if act.Type == ActPromote || act.Type == ActSeed {
						assert.Less(t, len(s.primaries()), want, "%v promotes beyond %d primaries: %v", []dataplane.State{states[a], states[b], states[c]}, want, act)
					}
				}
			}
		}
	}
}

// TestRefusesToRestoreFewerMembersThanKnownGood is the restoreReplicas guard.
func TestRefusesToRestoreFewerMembersThanKnownGood(t *testing.T) {
	s := snap(2, 1, mem{}, mem{})
	s.KnownGoodReplicas = 3
	a := decideStep(s)
	assert.Equal(t, ActRefuse, a.Type)
	assert.Contains(t, a.Reason, "at least 3")

	s = snap(3, 1, mem{}, mem{}, mem{})
	s.KnownGoodReplicas = 3
	assert.Equal(t, ActCreatePods, decideStep(s).Type)
}

// TestDivergedPositionsAreRefused checks that positions that do not compare
// stop a promotion instead of picking one at random.
func TestDivergedPositionsAreRefused(t *testing.T) {
	s := snap(2, 1, running(stp, 1), running(stp, 1))
	s.Members[1].Position = incomparable{}
	a := decideStep(s)
	assert.Equal(t, ActRefuse, a.Type)
	assert.Contains(t, a.Reason, "diverged")
}

type incomparable struct{}

func (incomparable) Compare(dataplane.Position) (int, bool) { return 0, false }
func (incomparable) String() string                         { return "?" }

// TestPausedDoesNothing checks that a paused set takes no step at all.
func TestPausedDoesNothing(t *testing.T) {
	s := snap(3, 1, mem{}, mem{}, mem{})
	s.Spec.Paused = true
	assert.Equal(t, ActNone, decideStep(s).Type)
}

// TestIneligibleMembersAreNeverPrimaries checks that a member the spec marks
// ineligible (a Vitess rdonly tablet) is never seeded or promoted, even
// when it holds the most data.
func TestIneligibleMembersAreNeverPrimaries(t *testing.T) {
	s := snap(3, 1, running(stp, 9), running(stp, 4), running(stp, 7))
	s.Spec.Desired[0] = false
	a := decideStep(s)
	assert.Equal(t, ActSeed, a.Type)
	assert.Equal(t, []int{2}, a.Members)

	s = gonePrimary(snap(3, 1, running(sec, 9), mem{}, running(sec, 7)), 1)
	s.Spec.Desired[0] = false
	a = decideStep(s)
	assert.Equal(t, ActPromote, a.Type)
	assert.Equal(t, []int{2}, a.Members)
}

// TestSwitchoverMovesThePrimaryInOneStep checks that with a driver that can
// switch over, a primary being removed or rolled, or one the spec no longer
// prefers, hands its role to the most advanced secondary in one step.
func TestSwitchoverMovesThePrimaryInOneStep(t *testing.T) {
	following := func(pos int, revision string) mem {
		return mem{pod: "running", state: sec, pos: pos, follows: "s-2", revision: revision}
	}
	s := snap(2, 1, following(5, ""), following(8, ""), running(pri, 8))
	s.Spec.PlannedSwitchover = true
	a := decideStep(s)
	assert.Equal(t, ActSwitchover, a.Type, a.String())
	assert.Equal(t, []int{2, 1}, a.Members, "from the removed primary to the most advanced secondary")

	s = snap(3, 1, mem{pod: "running", state: pri, pos: 8, revision: "r0"}, mem{pod: "running", state: sec, pos: 8, follows: "s-0"}, mem{pod: "running", state: sec, pos: 6, follows: "s-0"})
	s.Spec.PlannedSwitchover = true
	a = decideStep(s)
	assert.Equal(t, ActSwitchover, a.Type, a.String())
	assert.Equal(t, []int{0, 1}, a.Members, "rolling the primary moves its role first")

	s = snap(3, 1, running(pri, 8), mem{pod: "running", state: sec, pos: 8, follows: "s-0"}, mem{pod: "running", state: sec, pos: 8, follows: "s-0"})
	s.Spec.PlannedSwitchover = true
	two := 2
	s.Spec.PreferredPrimary = &two
	a = decideStep(s)
	assert.Equal(t, ActSwitchover, a.Type, a.String())
	assert.Equal(t, []int{0, 2}, a.Members)
}

// TestManualFailoverOnlyReports checks that with a manual failover policy a
// lost primary is reported, with the candidate, and nothing is promoted.
func TestManualFailoverOnlyReports(t *testing.T) {
	s := gonePrimary(snap(3, 1, mem{}, running(sec, 3), running(sec, 8)), 0)
	s.Members[1].Pod.Role, s.Members[2].Pod.Role = RoleSecondary, RoleSecondary
	s.Spec.ManualFailover = true
	a := decideStep(s)
	assert.Equal(t, ActRefuse, a.Type, a.String())
	assert.Contains(t, a.Reason, "failover is manual")
	assert.Contains(t, a.Reason, "s-2")
}

// TestOnDeleteLeavesOldRevisionsAlone checks that with rolling off, members
// with an old template are not stopped or deleted.
func TestOnDeleteLeavesOldRevisionsAlone(t *testing.T) {
	s := snap(2, 1, mem{pod: "running", state: pri, pos: 1, revision: "r0"}, mem{pod: "running", state: sec, pos: 1, revision: "r0", follows: "s-0"})
	s.Spec.NoRoll = true
	assert.Equal(t, ActNone, decideStep(s).Type)
}
