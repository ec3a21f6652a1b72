package replication

import (
	"testing"

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
