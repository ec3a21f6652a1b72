package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

func TestSafetyNetInterval(t *testing.T) {
	for settled, want := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 2 * time.Minute, 2 * time.Minute} {
		assert.Equal(t, want, safetyNetInterval(30*time.Second, settled), "after %d settled passes", settled)
	}
	assert.Equal(t, 4*time.Hour, safetyNetInterval(time.Hour, 1000), "no overflow, capped")
}

// TestASettledSetIsProbedLessOftenUntilSomethingHappens proves the
// safety-net interval of a Ready set with nothing to do stretches pass by
// pass, to four times the reconcile interval, and that a failed member
// brings it back at once.
func TestASettledSetIsProbedLessOftenUntilSomethingHappens(t *testing.T) {
	h := newHarness(t, 3, 1)
	h.set.spec.ReconcileInterval = 30 * time.Second
	h.set.spec.ReadinessShowsFailures = true
	h.runUntil(common.PhaseReady, passBudget)
	got := []time.Duration{h.lastResync}
	for range 3 {
		require.Equal(t, common.PhaseReady, h.pass().Phase)
		got = append(got, h.lastResync)
	}
	assert.Equal(t, []time.Duration{time.Minute, 2 * time.Minute, 2 * time.Minute, 2 * time.Minute}, got)

	h.driver.set("s-0", func(m *fakeMember) { m.failed = true })
	h.pass()
	assert.LessOrEqual(t, h.lastResync, 30*time.Second, "a failed member is followed up at the reconcile interval or sooner")
	h.runUntil(common.PhaseReady, passBudget)
	h.pass()
	assert.Equal(t, time.Minute, h.lastResync, "settled again: stretching starts over")
}

func TestSettledPassNeedsEveryPodReadyAndNothingToDo(t *testing.T) {
	ready := func() *Snapshot {
		return &Snapshot{Members: []*Member{{Ordinal: 0, Pod: &PodView{Phase: "Running", Ready: true}}}}
	}
	none, report := Action{Type: ActNone}, Report{Phase: common.PhaseReady}
	assert.True(t, settledPass(ready(), none, report))
	assert.False(t, settledPass(ready(), Action{Type: ActWait}, report), "waiting")
	assert.False(t, settledPass(ready(), none, Report{Phase: common.PhaseDegraded}), "not Ready")
	s := ready()
	s.Refused = "foreign pods"
	assert.False(t, settledPass(s, none, report), "refused")
	s = ready()
	s.Members[0].Pod.Ready = false
	assert.False(t, settledPass(s, none, report), "a pod not ready")
	s = ready()
	s.Members[0].Pod.Deleting = true
	assert.False(t, settledPass(s, none, report), "a pod going")
	s = ready()
	s.Members[0].Pod = nil
	assert.False(t, settledPass(s, none, report), "a pod missing")
}

// TestASetWhoseReadinessSaysNothingKeepsItsInterval: without
// ReadinessShowsFailures (a ReplicatedStatefulSet) a settled set is passed
// over at its reconcile interval, however long it has been settled.
func TestASetWhoseReadinessSaysNothingKeepsItsInterval(t *testing.T) {
	h := newHarness(t, 3, 1)
	h.set.spec.ReconcileInterval = 30 * time.Second
	h.runUntil(common.PhaseReady, passBudget)
	for range 3 {
		h.pass()
		assert.Equal(t, 30*time.Second, h.lastResync)
	}
}
