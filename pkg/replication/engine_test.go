package replication

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// passBudget bounds the passes any scenario may take to settle.
const passBudget = 30

// runningSet is a 3-member set with one primary, brought up by the engine
// from members that hold positions 3, 9 and 5.
func runningSet(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t, 3, 1)
	for pod, pos := range map[string]uint64{"s-0": 3, "s-1": 9, "s-2": 5} {
		h.driver.set(pod, func(m *fakeMember) { m.pos = pos })
	}
	h.runUntil(common.PhaseReady, passBudget)
	return h
}

// pod reads a pod from the fake API server.
func (h *harness) pod(name string) *corev1.Pod {
	p, err := h.kube.CoreV1().Pods(fakeNS).Get(context.Background(), name, metav1.GetOptions{})
	require.NoError(h.t, err)
	return p
}

// condition returns the report's condition of type typ.
func condition(t *testing.T, r Report, typ string) metav1.Condition {
	t.Helper()
	for _, c := range r.Conditions {
		if c.Type == typ {
			return c
		}
	}
	t.Fatalf("no %s condition in %+v", typ, r.Conditions)
	return metav1.Condition{}
}

// TestNewSetSeedsTheMostAdvancedMember proves a new set is created, seeded
// from the member holding the highest position (not the lowest ordinal),
// and its other members started as secondaries of that seed, with role
// labels and the Seeded event to show for it.
func TestNewSetSeedsTheMostAdvancedMember(t *testing.T) {
	h := runningSet(t)
	require.NoError(t, h.lastErr)

	assert.Equal(t, []string{"s-1"}, h.driver.callsOf("seed"))
	assert.Empty(t, h.driver.callsOf("primary"), "nothing is promoted in a new set")
	assert.Equal(t, []string{"s-1"}, h.driver.primaries())
	for _, name := range []string{"s-0", "s-2"} {
		assert.Equal(t, dataplane.StateSecondary, h.driver.role(name))
		assert.Equal(t, []string{"s-1.s.ns.svc"}, h.driver.members[name].follows)
		assert.Equal(t, RoleSecondary, h.pod(name).Labels[LabelRole])
		assert.Equal(t, "s-1", h.pod(name).Annotations[AnnotationFollowing])
	}
	assert.Equal(t, RolePrimary, h.pod("s-1").Labels[LabelRole])
	assert.Equal(t, 1, h.eventCount("Seeded"))
	assert.Equal(t, 3, h.eventCount("MemberCreated"))

	r := h.set.lastReport()
	assert.Equal(t, []string{"s-1"}, r.Members.Primary)
	assert.Equal(t, int32(3), r.ReadyReplicas)
	assert.Equal(t, int32(3), r.KnownGoodReplicas)
	assert.Equal(t, metav1.ConditionTrue, condition(t, r, common.ConditionReady).Status)
	assert.Equal(t, metav1.ConditionFalse, condition(t, r, common.ConditionDegraded).Status)
}

// TestFailoverPromotesTheMostAdvancedSurvivor proves that when the
// primary's pod is lost, the surviving member with the highest position is
// promoted (here the higher ordinal, so ties and ordinals play no part),
// exactly once, the lost member comes back as a secondary, and at no pass do
// more primaries run than asked for (checked by the harness after each pass).
func TestFailoverPromotesTheMostAdvancedSurvivor(t *testing.T) {
	h := runningSet(t)
	h.driver.set("s-0", func(m *fakeMember) { m.pos = 10 })
	h.driver.set("s-2", func(m *fakeMember) { m.pos = 12 })
	h.events = nil
	oldUID := h.pod("s-1").UID

	require.NoError(t, h.kube.CoreV1().Pods(fakeNS).Delete(context.Background(), "s-1", metav1.DeleteOptions{}))
	h.sync()
	h.pass()
	require.NoError(t, h.lastErr)
	assert.Equal(t, []string{"s-2"}, h.driver.primaries(), "the first pass after the loss fails over")
	assert.Equal(t, []string{"s-2"}, h.set.lastReport().Members.Primary,
		"the pass that failed over names the new primary in status, not the pass after it")

	h.runUntil(common.PhaseReady, passBudget)
	assert.Equal(t, []string{"s-2"}, h.driver.callsOf("primary"), "only the most advanced survivor is promoted")
	assert.Equal(t, 1, h.eventCount("FailedOver"))
	assert.Equal(t, 0, h.eventCount("Promoted"))
	assert.Equal(t, 0, h.eventCount("PromoteFailed"))
	assert.Equal(t, []string{"s-2"}, h.driver.primaries())
	assert.NotEqual(t, oldUID, h.pod("s-1").UID, "the lost member was made anew")
	for _, name := range []string{"s-0", "s-1"} {
		assert.Equal(t, dataplane.StateSecondary, h.driver.role(name), name)
		assert.Equal(t, "s-2", h.pod(name).Annotations[AnnotationFollowing], name)
	}
	assert.Equal(t, []string{"s-2"}, h.set.lastReport().Members.Primary)
}

// TestFailoverWaitsForALostPrimaryPromotedAhead proves a failover does not
// promote a member that lacks what a lost primary held when this engine
// promoted it: that primary's pod is made anew, and it is promoted again.
func TestFailoverWaitsForALostPrimaryPromotedAhead(t *testing.T) {
	h := runningSet(t)
	h.driver.set("s-0", func(m *fakeMember) { m.pos = 10 })
	h.driver.set("s-2", func(m *fakeMember) { m.pos = 12 })
	require.NoError(t, h.kube.CoreV1().Pods(fakeNS).Delete(context.Background(), "s-1", metav1.DeleteOptions{}))
	h.sync()
	h.runUntil(common.PhaseReady, passBudget)
	require.Equal(t, []string{"s-2"}, h.driver.primaries())
	oldUID := h.pod("s-2").UID

	// The members left lag behind what s-2 held when it was promoted.
	h.driver.set("s-1", func(m *fakeMember) { m.pos = 11 })
	require.NoError(t, h.kube.CoreV1().Pods(fakeNS).Delete(context.Background(), "s-2", metav1.DeleteOptions{}))
	h.driver.podGone("s-2")
	h.sync()
	h.runUntil(common.PhaseReady, passBudget)
	assert.Equal(t, []string{"s-2", "s-2"}, h.driver.callsOf("primary"), "only s-2 is ever promoted")
	assert.NotEqual(t, oldUID, h.pod("s-2").UID, "its pod was made anew")
	assert.Equal(t, []string{"s-2"}, h.driver.primaries())
}

// TestFailedMemberIsStoppedThenDeleted proves a member whose status hook
// fails is first stopped, and on a second failed probe of the same pod has
// that pod, and only that very pod (UID precondition), deleted; it is then
// made anew and rejoins. A failed primary is also fenced before another
// member is promoted in its place.
func TestFailedMemberIsStoppedThenDeleted(t *testing.T) {
	for _, tc := range []struct {
		name, failing, primaryAfter string
	}{
		{"secondary", "s-2", "s-1"},
		{"primary", "s-1", "s-2"}, // s-2 holds 5, s-0 holds 3
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := runningSet(t)
			uid := h.pod(tc.failing).UID
			h.driver.set(tc.failing, func(m *fakeMember) { m.failed = true })
			h.kube.ClearActions()

			r := h.pass()
			require.NoError(t, h.lastErr)
			assert.Equal(t, []string{tc.failing}, h.driver.callsOf("stop"), "first failure stops the member")
			assert.Empty(t, h.podActionsOf("delete"), "a single failure deletes nothing")
			assert.Equal(t, []string{tc.failing}, r.Members.Failed)
			assert.Equal(t, common.PhaseDegraded, r.Phase)

			h.pass()
			require.NoError(t, h.lastErr)
			dels := h.deletes()
			require.Len(t, dels, 1, "second failure deletes the pod")
			assert.Equal(t, tc.failing, dels[0].Name)
			require.NotNil(t, dels[0].DeleteOptions.Preconditions)
			require.NotNil(t, dels[0].DeleteOptions.Preconditions.UID)
			assert.Equal(t, uid, *dels[0].DeleteOptions.Preconditions.UID)
			assert.Equal(t, 1, h.eventCount("MemberDeleted"))
			assert.Empty(t, h.driver.callsOf("primary"), "nothing is promoted before the failed member is fenced")

			h.runUntil(common.PhaseReady, passBudget)
			assert.NotEqual(t, uid, h.pod(tc.failing).UID)
			assert.Equal(t, []string{tc.primaryAfter}, h.driver.primaries())
			assert.Equal(t, dataplane.StateSecondary, h.driver.role(tc.failing))
		})
	}
}

// TestUnreachableMemberIsWaitedForThenHandled proves that a member the
// hooks cannot reach is neither stopped, deleted nor replaced while it may
// come back (LostAfter): an unreachable secondary costs nothing else, an
// unreachable primary holds the failover. The report is Degraded and names
// the member. Reached again in time, the set is as it was.
func TestUnreachableMemberIsWaitedForThenHandled(t *testing.T) {
	for _, unreachable := range []string{"s-1", "s-0"} { // the primary, then a secondary
		t.Run(unreachable, func(t *testing.T) {
			h := runningSet(t)
			h.driver.set(unreachable, func(m *fakeMember) { m.unreachable = true })
			h.kube.ClearActions()
			h.events = nil
			before := map[string]int{}
			for _, hook := range []string{"seed", "primary", "secondary", "stop"} {
				before[hook] = len(h.driver.callsOf(hook))
			}

			var r Report
			for range 5 { // 5 s of the harness's clock: within LostAfter
				r = h.pass()
			}
			assert.Empty(t, h.podActions(), "no pod is created, patched or deleted")
			for hook, n := range before {
				assert.Len(t, h.driver.callsOf(hook), n, "%s hook ran", hook)
			}
			assert.Equal(t, []string{"s-1"}, h.driver.primaries())
			assert.Equal(t, common.PhaseDegraded, r.Phase)
			deg := condition(t, r, common.ConditionDegraded)
			assert.Equal(t, metav1.ConditionTrue, deg.Status)
			assert.Contains(t, deg.Message, unreachable+" (unreachable")

			h.driver.set(unreachable, func(m *fakeMember) { m.unreachable = false })
			h.runUntil(common.PhaseReady, passBudget)
			assert.Equal(t, []string{"s-1"}, h.driver.primaries(), "the primary kept its role")
			assert.Empty(t, h.podActionsOf("delete"))
		})
	}
}

// TestUnreachablePrimaryIsFencedByItsKubeletThenFailedOver proves that a
// primary unreachable past LostAfter on a node that still reports has its
// pod deleted (the kubelet carries that out, which fences it), and then the
// most advanced survivor is promoted.
func TestUnreachablePrimaryIsFencedByItsKubeletThenFailedOver(t *testing.T) {
	h := runningSet(t)
	uid := h.pod("s-1").UID
	h.driver.set("s-1", func(m *fakeMember) { m.unreachable = true })
	h.kube.ClearActions()
	passes := 0
	for ; passes < passBudget && len(h.podActionsOf("delete")) == 0; passes++ {
		h.pass()
	}
	assert.GreaterOrEqual(t, passes, 10, "deleted within LostAfter (10 s, a pass a second)")
	h.driver.set("s-1", func(m *fakeMember) { m.unreachable = false }) // the pod made anew answers
	h.runUntil(common.PhaseReady, passBudget)
	dels := h.deletes()
	require.NotEmpty(t, dels)
	assert.Equal(t, uid, *dels[0].DeleteOptions.Preconditions.UID)
	assert.Equal(t, []string{"s-2"}, h.driver.primaries(), "s-2 at 5 was the most advanced survivor")
	assert.Equal(t, 1, h.eventCount("FailedOver"))
}

// TestRestartedEngineTakesNoAction proves an engine that starts with an
// empty memory over a running set rebuilds what it needs from pods and
// probes alone: it creates, patches or deletes no pod and starts no primary.
func TestRestartedEngineTakesNoAction(t *testing.T) {
	h := runningSet(t)
	seeds, promotes, follows, stops := len(h.driver.callsOf("seed")), len(h.driver.callsOf("primary")),
		len(h.driver.callsOf("secondary")), len(h.driver.callsOf("stop"))
	h.engine = h.newEngine()
	h.kube.ClearActions()

	for i := range 5 {
		r := h.pass()
		require.NoError(t, h.lastErr)
		assert.Equal(t, common.PhaseReady, r.Phase, "pass %d", i)
	}
	assert.Empty(t, h.podActions())
	assert.Len(t, h.driver.callsOf("seed"), seeds)
	assert.Len(t, h.driver.callsOf("primary"), promotes)
	assert.Len(t, h.driver.callsOf("secondary"), follows)
	assert.Len(t, h.driver.callsOf("stop"), stops)
	assert.Equal(t, []string{"s-1"}, h.driver.primaries())
}

// TestPausedTakesNoAction proves a paused set reports Paused and neither
// writes a pod nor runs a hook: not when new, and not when a member of a
// running set fails.
func TestPausedTakesNoAction(t *testing.T) {
	t.Run("new set", func(t *testing.T) {
		h := newHarness(t, 3, 1)
		h.set.spec.Paused = true
		for range 3 {
			assert.Equal(t, common.PhasePaused, h.pass().Phase)
		}
		assert.Empty(t, h.podActions())
		assert.Empty(t, h.listPods())
		assert.Empty(t, h.driver.calls, "no hook ran")
		assert.Equal(t, "Paused", condition(t, h.set.lastReport(), common.ConditionProgressing).Reason)
	})
	t.Run("running set with a failed member", func(t *testing.T) {
		h := runningSet(t)
		h.set.spec.Paused = true
		h.driver.set("s-1", func(m *fakeMember) { m.failed = true })
		h.kube.ClearActions()
		stops := len(h.driver.callsOf("stop"))
		for range 3 {
			assert.Equal(t, common.PhasePaused, h.pass().Phase)
		}
		assert.Empty(t, h.podActions())
		assert.Len(t, h.driver.callsOf("stop"), stops)
		assert.Len(t, h.listPods(), 3)
	})
}

// podActionsOf returns the pod actions with verb, as verb/name.
func (h *harness) podActionsOf(verb string) []string {
	var out []string
	for _, a := range h.podActions() {
		if strings.HasPrefix(a, verb+"/") {
			out = append(out, a)
		}
	}
	return out
}

// deletes returns the pod delete actions the engine sent.
func (h *harness) deletes() []k8stesting.DeleteActionImpl {
	var out []k8stesting.DeleteActionImpl
	for _, a := range h.kube.Actions() {
		if d, ok := a.(k8stesting.DeleteActionImpl); ok && d.Resource.Resource == "pods" {
			out = append(out, d)
		}
	}
	return out
}

// TestNoLessAdvancedMemberWinsOverOneThatCannotReportItsPosition proves a
// seed or a failover never goes to a member holding less data than another
// desired member whose sequence hook failed in this pass: that member may
// hold the latest writes, so the engine must wait (or refuse) rather than
// choose among the members that happened to answer.
func TestNoLessAdvancedMemberWinsOverOneThatCannotReportItsPosition(t *testing.T) {
	t.Run("seed", func(t *testing.T) {
		h := newHarness(t, 3, 1)
		for pod, pos := range map[string]uint64{"s-0": 3, "s-1": 9, "s-2": 5} {
			h.driver.set(pod, func(m *fakeMember) { m.pos = pos })
		}
		h.driver.set("s-1", func(m *fakeMember) { m.posErr = true })
		for range 5 {
			h.pass()
		}
		assert.Empty(t, h.driver.callsOf("seed"), "seeded while the most advanced member could not say its position")
	})
	t.Run("failover", func(t *testing.T) {
		h := runningSet(t)
		h.driver.set("s-0", func(m *fakeMember) { m.pos = 10 })
		h.driver.set("s-2", func(m *fakeMember) { m.pos = 12; m.posErr = true })
		require.NoError(t, h.kube.CoreV1().Pods(fakeNS).Delete(context.Background(), "s-1", metav1.DeleteOptions{}))
		h.sync()
		for range 5 {
			h.pass()
		}
		assert.NotContains(t, h.driver.callsOf("primary"), "s-0", "promoted s-0 at 10 over s-2 at 12")
	})
}
