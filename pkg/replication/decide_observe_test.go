package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// TestANewSetProbesOnceItsPodsRun proves a set that never ran does not
// probe its running members while others' pods still start, for at most
// firstStartHold from the first start, and that anything saying the set
// ran before (a role label, a remembered answer, a failed seed, a healthy
// size in status) makes it probe at once.
func TestANewSetProbesOnceItsPodsRun(t *testing.T) {
	for _, tc := range []struct {
		name     string
		change   func(s *Snapshot)
		wantType ActionType
	}{
		{"a pod still pending", nil, ActWait},
		{"every pod running", func(s *Snapshot) { s.Members[2].Pod.Phase = s.Members[0].Pod.Phase }, needType(NeedProbe)},
		{"the hold is over", func(s *Snapshot) { s.Members[0].Pod.StartedAt = t0.Add(-firstStartHold) }, needType(NeedProbe)},
		{"a pod labelled primary", func(s *Snapshot) { s.Members[1].Pod.Role = RolePrimary }, needType(NeedProbe)},
		{"a member seen as a secondary", func(s *Snapshot) { s.Members[1].WasSecondary = true }, needType(NeedProbe)},
		{"a member's position known", func(s *Snapshot) { s.Members[0].Known = dataplane.Sequence(4) }, needType(NeedProbe)},
		{"a seed failed", func(s *Snapshot) { s.FailedSeed = &SeedAttempt{Ordinal: 1} }, needType(NeedProbe)},
		{"ran healthy before", func(s *Snapshot) { s.KnownGoodReplicas = 3 }, needType(NeedProbe)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(3, 1,
				mem{pod: "running", role: RoleStopped, up: 5 * time.Second},
				mem{pod: "running", role: RoleStopped, up: 2 * time.Second},
				mem{pod: "pending", role: RoleStopped})
			s.Probed = false
			if tc.change != nil {
				tc.change(s)
			}
			a := decideStep(s)
			assert.Equal(t, tc.wantType, a.Type, "%s", a)
			if a.Type == ActWait {
				assert.Equal(t, firstStartHold-5*time.Second, a.RetryAfter)
				assert.Contains(t, a.Reason, "s-2")
			}
		})
	}
}

// gtidsOf returns a parser of GTID set positions that fails t on a bad one.
func gtidsOf(t *testing.T) func(string) dataplane.Position {
	return func(s string) dataplane.Position {
		g, err := dataplane.ParseGTIDSet(s)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
}

// TestUnacknowledgedTransactionsArePassedOver proves a failover in a set
// whose failover is durable passes over a member holding transactions it
// committed itself that no other member holds (a primary that crashed
// before any replica received its last commit, back as a replica), and
// promotes the member that holds what the lost primary's replicas
// acknowledged; that it does so only when every other member that could
// hold them answered, and the lost primary's last position is known not to
// hold them (it was a replica of the member passed over before its own
// promotion, and acknowledged what it received); and that a set without a
// durable failover still refuses diverged positions.
func TestUnacknowledgedTransactionsArePassedOver(t *testing.T) {
	const (
		lost   = "3e11fa47-71ca-11e1-9e33-c80aa9429562" // the lost primary
		former = "8e8f7b52-4b2a-11ee-a0d1-0242ac120002" // member 1, primary before it
		third  = "c3c40462-32a7-ce85-c97e-5a383534b453" // member 2
	)
	gtids := gtidsOf(t)
	for _, tc := range []struct {
		name     string
		durable  bool
		change   func(s *Snapshot)
		wantType ActionType
		want     string
	}{
		{"durable: the member with the unacknowledged commit is passed over", true, nil, ActPromote, "promoting s-2"},
		{"not durable: diverged positions are refused", false, nil, ActRefuse, "have diverged"},
		{"durable, but a member that could hold it does not answer", true,
			func(s *Snapshot) {
				s.Members = append(s.Members, &Member{Ordinal: 3, Name: "s-3", Pod: &PodView{Phase: corev1.PodPending, Revision: rev}})
				s.Spec.Desired[3] = true
			},
			ActRefuse, "have diverged"},
		{"durable, but the member passed over holds acknowledged transactions the other lacks", true,
			func(s *Snapshot) { s.Members[1].Position = gtids(lost + ":1-13," + former + ":1-5") },
			ActRefuse, "holds transactions s-2 lacks"},
		{"durable, each holds an unacknowledged commit: the lost primary is made again to tell", true,
			func(s *Snapshot) {
				s.Spec.IsolatesLostPrimary = true
				s.Members[0].Pod = nil
				s.Members[2].Position = gtids(lost + ":1-12," + former + ":1-4," + third + ":1")
			},
			ActCreatePods, "recreating former primary s-0"},
		{"durable, but the lost primary's position is unknown: it may have received the commit", true,
			func(s *Snapshot) { s.Members[0].Known = nil },
			ActRefuse, "have diverged"},
		{"durable, but the lost primary had received the commit, which it acknowledged", true,
			func(s *Snapshot) { s.Members[0].Known = gtids(lost + ":1-12," + former + ":1-5") },
			ActRefuse, "have diverged"},
		{"durable, the commit reached another member", true,
			func(s *Snapshot) { s.Members[2].Position = gtids(lost + ":1-12," + former + ":1-5") },
			ActPromote, "promoting s-2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(3, 1, mem{pod: "deleting"}, mem{pod: "running", state: sec, pos: 1}, mem{pod: "running", state: sec, pos: 1})
			s.Spec.DurableFailover = tc.durable
			s.Members[0].WasPrimary = true
			s.Members[0].Known = gtids(lost + ":1-12," + former + ":1-4")
			s.Members[1].Position = gtids(lost + ":1-10," + former + ":1-5")
			s.Members[1].Probe.ServerID = former
			s.Members[2].Position = gtids(lost + ":1-12," + former + ":1-4")
			s.Members[2].Probe.ServerID = third
			if tc.change != nil {
				tc.change(s)
			}
			a := decideStep(s)
			assert.Equal(t, tc.wantType, a.Type, "%s", a)
			assert.Contains(t, a.Reason, tc.want)
		})
	}
}

// TestALostPrimarysAcknowledgedWritesAreNotGivenUp replays a failover make
// chaos found giving up acknowledged writes: member 0 was the primary and
// its last writes (e7:625-633) were acknowledged by member 1, which was
// promoted after it and then lost; member 0 is back as a replica holding
// them and two commits nobody received (634-635), member 2 lacks them;
// member 1's pod is going. Only
// the lost primary's last known position tells that 625-633 were received:
// member 0 holds acknowledged writes member 2 lacks, so member 2 is not
// promoted.
func TestALostPrimarysAcknowledgedWritesAreNotGivenUp(t *testing.T) {
	const (
		e7 = "e7c9ceb0-ac2c-8d88-23d6-5c3dd0f55cfb" // member 0
		a5 = "5af353b7-070b-08ae-7b58-ab0e6037d4a0" // member 1
	)
	gtids := gtidsOf(t)
	s := snap(3, 1, running(sec, 1), mem{pod: "deleting"}, running(sec, 1))
	s.Spec.DurableFailover, s.Spec.IsolatesLostPrimary = true, true
	s.Members[0].Position, s.Members[0].Probe.ServerID = gtids(a5+":1-298,"+e7+":1-635"), e7
	s.Members[1].WasPrimary, s.Members[1].Known = true, gtids(a5+":1-298,"+e7+":1-633")
	s.Members[2].Position, s.Members[2].Probe.ServerID = gtids(a5+":1-298,"+e7+":1-624"), "c3c40462-32a7-ce85-c97e-5a383534b453"
	a := decideStep(s)
	assert.NotEqual(t, ActPromote, a.Type, "%s", a)
	assert.Contains(t, a.Reason, "s-0 holds transactions s-2 lacks", "%s", a)
}
