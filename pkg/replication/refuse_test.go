package replication

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// TestRefusedSetTakesNoStep proves that a set its kind refuses gets no pod,
// reports Degraded with the refusal (which names the field) and announces
// it once as an event, however many passes run; and that it runs once the
// refusal is lifted.
func TestRefusedSetTakesNoStep(t *testing.T) {
	h := newHarness(t, 3, 1)
	h.set.refused = "spec.pod.serviceAccountName: vitess-operator is the operator's own ServiceAccount"
	for range 3 {
		r := h.pass()
		require.NoError(t, h.lastErr)
		assert.Equal(t, common.PhaseDegraded, r.Phase)
		d := condition(t, r, common.ConditionDegraded)
		assert.Equal(t, metav1.ConditionTrue, d.Status)
		assert.Equal(t, "Refused", d.Reason)
		assert.Contains(t, d.Message, "spec.pod.serviceAccountName")
	}
	assert.Empty(t, h.podActions(), "a refused set creates no pod")
	assert.Equal(t, 1, h.eventCount("Refused"), "the refusal is announced once")

	h.set.refused = ""
	h.runUntil(common.PhaseReady, passBudget)
}

// TestRefusalKeepsRunningPodsAsTheyAre proves that refusing a running set
// (its spec edited into one the operator refuses) deletes, stops or demotes
// nothing: the members keep running as they were.
func TestRefusalKeepsRunningPodsAsTheyAre(t *testing.T) {
	h := runningSet(t)
	before := len(h.podActions())
	calls := h.driver.callCount()
	h.set.refused = "spec.pod.commands.status.timeout: 10ms is not between 1s and 1h0m0s"
	for range 3 {
		r := h.pass()
		require.NoError(t, h.lastErr)
		assert.Equal(t, "Refused", condition(t, r, common.ConditionDegraded).Reason)
	}
	assert.Len(t, h.podActions(), before, "no pod is created, changed or deleted")
	assert.Equal(t, calls, h.driver.callCount(), "no hook runs")
	assert.Equal(t, []string{"s-1"}, h.driver.primaries())
}

// callCount is how many hooks the driver ran, of every kind.
func (d *fakeDriver) callCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, pods := range d.calls {
		n += len(pods)
	}
	return n
}

// TestForeignPodWithTheSetsLabelsIsNotAdopted proves that a pod carrying a
// member's labels but no controller reference to the set is never taken
// for a member: no hook runs in it, it is not deleted, and the set is
// refused with the pod named until it is gone.
func TestForeignPodWithTheSetsLabelsIsNotAdopted(t *testing.T) {
	h := runningSet(t)
	intruder, err := h.set.Pod(7)
	require.NoError(t, err)
	intruder.OwnerReferences = nil
	_, err = h.kube.CoreV1().Pods(fakeNS).Create(t.Context(), intruder, metav1.CreateOptions{})
	require.NoError(t, err)
	h.sync()
	calls := h.driver.callCount()
	before := len(h.podActions())
	for range 3 {
		r := h.pass()
		require.NoError(t, h.lastErr)
		assert.Equal(t, "Refused", condition(t, r, common.ConditionDegraded).Reason)
		assert.Contains(t, condition(t, r, common.ConditionProgressing).Message, intruder.Name+" carry this set's labels but are not controlled by it")
	}
	assert.Len(t, h.podActions(), before, "no pod is created, changed or deleted")
	assert.Equal(t, calls, h.driver.callCount(), "no hook runs, in the intruder or in a member")

	require.NoError(t, h.kube.CoreV1().Pods(fakeNS).Delete(t.Context(), intruder.Name, metav1.DeleteOptions{}))
	h.runUntil(common.PhaseReady, passBudget)
}
