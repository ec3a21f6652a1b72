package e2e

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

func podUIDs(ctx context.Context, t *testing.T, ns string) map[string]types.UID {
	out := map[string]types.UID{}
	for name, p := range memberPods(ctx, t, ns, "example") {
		out[name] = p.UID
	}
	return out
}

// metric reads one sample of an operator's /metrics: "0" when absent, ""
// when the operator does not answer.
func metric(ctx context.Context, op *framework.Operator, prefix string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+op.MetricsAddr+"/metrics", nil)
	if err != nil {
		return ""
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, prefix+" ") {
			return strings.TrimSpace(strings.TrimPrefix(line, prefix))
		}
	}
	return "0"
}

// rssSample names the sample of an operator metric for ReplicatedStatefulSets.
func rssSample(metric string) string { return metric + `{kind="` + rssKind + `"}` }

// waitPasses waits until a fresh operator has run at least one pass of a
// ReplicatedStatefulSet. Its /metrics is an HTTP endpoint with nothing to
// watch, so this polls it.
func waitPasses(ctx context.Context, t *testing.T, op *framework.Operator) {
	require.NoError(t, wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		n := metric(ctx, op, rssSample("vitess_operator_reconcile_duration_seconds_count"))
		return n != "" && n != "0", nil
	}))
}

// TestRSSOperatorRestartDisturbsNothingHealthy kills the operator with
// SIGKILL twice. After a restart over a healthy set there are no deletions,
// seeds or promotions; after a restart with a pod deleted while no operator
// ran, that member comes back and every other pod keeps its UID.
func TestRSSOperatorRestartDisturbsNothingHealthy(t *testing.T) {
	t.Parallel()
	ctx, ns, op, rss := startReplicatedSet(t, 3*time.Minute)
	before := podUIDs(ctx, t, ns)

	op.Kill()
	_, restarted := setEvents(ctx, t, ns)
	op = cluster.StartOperator(t, ns, "op-2", framework.FastLeaderElection()...)
	waitPasses(ctx, t, op)
	waitRSS(ctx, t, ns, "example", "the set as it was", settled(3, 1))
	assert.Equal(t, before, podUIDs(ctx, t, ns), "a restart over a healthy set replaced pods")
	assert.Equal(t, "0", metric(ctx, op, rssSample("vitess_operator_seeds_total")))
	assert.Equal(t, "0", metric(ctx, op, rssSample("vitess_operator_failovers_total")))
	for _, r := range eventReasons(ctx, t, ns, restarted) {
		for _, bad := range []string{"Seeded", "Promoted", "FailedOver", "MemberDeleted", "Stopped"} {
			assert.False(t, strings.HasPrefix(r, bad+":"), "after a restart over a healthy set: %s", r)
		}
	}

	op.Kill()
	victim := secondaryOf(rss)
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, victim, metav1.DeleteOptions{}))
	_, err := cluster.WaitFor(ctx, podGVR, ns, victim, framework.Gone)
	require.NoError(t, err)
	cluster.StartOperator(t, ns, "op-3", framework.FastLeaderElection()...)
	waitRSS(ctx, t, ns, "example", "the member back", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		_, ok := memberPods(ctx, t, ns, "example")[victim]
		return ok && settled(3, 1)(r)
	})
	after := podUIDs(ctx, t, ns)
	for name, uid := range before {
		if name != victim {
			assert.Equal(t, uid, after[name], "untouched pod %s was replaced", name)
		}
	}
	assert.NotEqual(t, before[victim], after[victim])
	assert.Equal(t, rss.Status.Members.Primary, getRSS(ctx, t, ns, "example").Status.Members.Primary)
}

// TestRSSPausedSetIsLeftAlone pauses a set, deletes a member while paused
// and restarts the operator: nothing is recreated and status says Paused
// until the set is unpaused.
func TestRSSPausedSetIsLeftAlone(t *testing.T) {
	t.Parallel()
	ctx, ns, op, rss := startReplicatedSet(t, 3*time.Minute)
	victim := secondaryOf(rss)

	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Paused = true })
	waitRSS(ctx, t, ns, "example", "phase Paused", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return r.Status.Phase == common.PhasePaused
	})
	op.Kill()
	op = cluster.StartOperator(t, ns, "op-2", framework.FastLeaderElection()...)
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, victim, metav1.DeleteOptions{}))
	_, err := cluster.WaitFor(ctx, podGVR, ns, victim, framework.Gone)
	require.NoError(t, err)
	// Make the restarted operator pass over the set with the pod gone: its
	// status then shows the missing pod, and still Paused.
	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.ReconcileInterval = &metav1.Duration{Duration: 20 * time.Second}
	})
	rss = waitRSS(ctx, t, ns, "example", "the paused status after the restart", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return r.Status.Phase == common.PhasePaused && r.Status.Replicas == 2
	})
	waitPasses(ctx, t, op)
	_, exists := memberPods(ctx, t, ns, "example")[victim]
	assert.False(t, exists, "a paused set got a pod recreated")
	progressing := meta.FindStatusCondition(rss.Status.Conditions, common.ConditionProgressing)
	require.NotNil(t, progressing)
	assert.Equal(t, "Paused", progressing.Reason)

	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Paused = false })
	waitRSS(ctx, t, ns, "example", "the member back once unpaused", settled(3, 1))
}

// TestRSSRefusesToRestartWithFewerMembers scales a set to 0 and then to
// fewer members than it last ran with: the operator refuses and says why,
// and starts it once the size is back.
func TestRSSRefusesToRestartWithFewerMembers(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	ns := cluster.NewNamespace(t)
	cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	createRSS(ctx, t, ns, replicatedRSS(t))
	waitRSS(ctx, t, ns, "example", "3 members", settled(3, 1))
	primary := getRSS(ctx, t, ns, "example").Status.Members.Primary[0]
	_, err := execIn(ctx, ns, primary, "tabletsim", "write", "7")
	require.NoError(t, err)

	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Replicas = 0 })
	waitRSS(ctx, t, ns, "example", "no members", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return r.Status.Replicas == 0 && len(memberPods(ctx, t, ns, "example")) == 0
	})
	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Replicas = 1 })
	rss := waitRSS(ctx, t, ns, "example", "a refusal", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		c := meta.FindStatusCondition(r.Status.Conditions, common.ConditionDegraded)
		return c != nil && c.Reason == "Refused"
	})
	c := meta.FindStatusCondition(rss.Status.Conditions, common.ConditionDegraded)
	assert.Contains(t, c.Message, "scale to at least 3")
	assert.Empty(t, memberPods(ctx, t, ns, "example"))

	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Replicas = 3 })
	rss = waitRSS(ctx, t, ns, "example", "3 members again", settled(3, 1))
	assert.GreaterOrEqual(t, position(ctx, t, ns, rss.Status.Members.Primary[0]), 7, "the restarted set lost data")
}

// TestRSSTemplateChangeRollsOneMemberAtATime changes the container image and
// watches the pods: one member at a time is replaced, secondaries before the
// primary.
func TestRSSTemplateChangeRollsOneMemberAtATime(t *testing.T) {
	t.Parallel()
	ctx, ns, _, rss := startReplicatedSet(t, 3*time.Minute)
	primary := rss.Status.Members.Primary[0]

	replaced := watchReplacements(ctx, t, ns, rssKind, "example", 3)
	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.Pod.Containers[0].Image = "quay.io/beekhof/dummy:v2"
	})
	order := <-replaced
	require.Len(t, order, 3, "not every member was replaced: %v", order)
	assert.Equal(t, primary, order[2], "the primary was not rolled last: %v", order)
	waitRSS(ctx, t, ns, "example", "the rolled set", settled(3, 1))
	for _, p := range memberPods(ctx, t, ns, "example") {
		assert.Equal(t, "quay.io/beekhof/dummy:v2", p.Spec.Containers[0].Image)
	}
}
