package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSecondariesGetTheirPodsBackBeforeAnyProbe proves a member that lost
// its pod while a secondary is given one before the pass probes anything,
// and that a member that was a primary, or that this process never saw
// answer, waits for the rules that read the data plane.
func TestSecondariesGetTheirPodsBackBeforeAnyProbe(t *testing.T) {
	for _, tc := range []struct {
		name     string
		memory   func(m *Member)
		wantType ActionType
	}{
		{"was a secondary", func(m *Member) { m.WasSecondary = true }, ActCreatePods},
		{"was the primary", func(m *Member) { m.WasPrimary = true }, needType(NeedProbe)},
		{"never seen to answer (after a restart)", func(*Member) {}, needType(NeedProbe)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(3, 1, mem{pod: "running", role: RolePrimary}, mem{pod: "running", role: RoleSecondary}, mem{})
			s.Probed = false
			tc.memory(s.Members[2])
			a := decideStep(s)
			assert.Equal(t, tc.wantType, a.Type, "%s", a)
			if tc.wantType == ActCreatePods {
				assert.Equal(t, []int{2}, a.Members)
			}
		})
	}
}

// TestASecondaryIsNotRecreatedOutsideTheSet proves the rule creates only
// desired members: one beyond the desired size is not made again.
func TestASecondaryIsNotRecreatedOutsideTheSet(t *testing.T) {
	s := snap(2, 1, mem{pod: "running", role: RolePrimary}, mem{pod: "running", role: RoleSecondary}, mem{})
	s.Probed = false
	s.Members[2].WasSecondary = true
	assert.NotEqual(t, ActCreatePods, decideStep(s).Type)
}

// TestGoingSecondaryIsWaitedForBriefly proves a pass does not probe for
// the moment a secondary's pod takes to go, while every other member is
// ready, and probes as usual once that moment passed, when another member
// is not ready, or when the pod going was the primary's.
func TestGoingSecondaryIsWaitedForBriefly(t *testing.T) {
	for _, tc := range []struct {
		name     string
		asked    time.Duration // how long ago the deletion was asked for
		change   func(s *Snapshot)
		wantType ActionType
	}{
		{"just asked", 300 * time.Millisecond, nil, ActWait},
		{"asked long ago: a real grace period", 5 * time.Second, nil, needType(NeedProbe)},
		{"another member not ready", 300 * time.Millisecond, func(s *Snapshot) { s.Members[0].Pod.Ready = false }, needType(NeedProbe)},
		{"the primary's pod going", 300 * time.Millisecond, func(s *Snapshot) { s.Members[2].WasSecondary, s.Members[2].WasPrimary = false, true }, needType(NeedProbe)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snap(3, 1, mem{pod: "running", role: RolePrimary}, mem{pod: "running", role: RoleSecondary}, mem{pod: "deleting", role: RoleSecondary})
			s.Probed = false
			for _, m := range s.Members {
				m.Pod.Ready = true
			}
			s.Members[2].WasSecondary = true
			s.Members[2].Pod.DeletionAsked = t0.Add(-tc.asked)
			if tc.change != nil {
				tc.change(s)
			}
			a := decideStep(s)
			assert.Equal(t, tc.wantType, a.Type, "%s", a)
			if a.Type == ActWait {
				assert.Equal(t, secondaryGoingWait-tc.asked, a.RetryAfter)
			}
		})
	}
}
