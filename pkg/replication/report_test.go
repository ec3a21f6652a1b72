package replication

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// TestStateAfterStep pins what a pass reports of its members once its step
// succeeded: the member a seed, promotion or switchover made primary is the
// only primary, the switchover's old primary a secondary, and any other
// step changes nothing.
func TestStateAfterStep(t *testing.T) {
	const (
		primary   = dataplane.StatePrimary
		secondary = dataplane.StateSecondary
	)
	cases := []struct {
		name   string
		a      Action
		member int
		known  dataplane.State
		want   dataplane.State
	}{
		{"the promoted member", Action{Type: ActPromote, Members: []int{2}}, 2, secondary, primary},
		{"the seeded member", Action{Type: ActSeed, Members: []int{0}}, 0, dataplane.StateStopped, primary},
		{"a former primary after a promotion", Action{Type: ActPromote, Members: []int{2}}, 1, primary, ""},
		{"a secondary after a promotion", Action{Type: ActPromote, Members: []int{2}}, 0, secondary, secondary},
		{"the switchover's target", Action{Type: ActSwitchover, Members: []int{0, 1}}, 1, secondary, primary},
		{"the switchover's source", Action{Type: ActSwitchover, Members: []int{0, 1}}, 0, primary, secondary},
		{"a stop changes nothing", Action{Type: ActStop, Members: []int{1}}, 1, primary, primary},
		{"a malformed step changes nothing", Action{Type: ActSwitchover, Members: []int{1}}, 1, secondary, secondary},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, stateAfterStep(&Member{Ordinal: c.member}, c.known, c.a))
		})
	}
}

// TestADeletingPodReadsNoState proves the status does not take the last
// answer of a pod being deleted for its state: a primary whose role a
// handover moved would otherwise be reported beside the new one.
func TestADeletingPodReadsNoState(t *testing.T) {
	mem := &setMemory{members: map[int]*memberRecord{}}
	m := &Member{Ordinal: 0, Name: "s-0", Pod: &PodView{UID: "u0"}, Probe: &Probe{State: dataplane.StatePrimary}}
	mem.observe(m, t0, true)
	again := &Member{Ordinal: 0, Name: "s-0", Pod: &PodView{UID: "u0"}}
	assert.Equal(t, dataplane.StatePrimary, knownState(again, mem), "the same pod, not probed this pass")
	again.Pod.Deleting = true
	assert.Equal(t, dataplane.State(""), knownState(again, mem), "being deleted")
}
