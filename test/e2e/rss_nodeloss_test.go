package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestRSSNodeLossWaitsForConfirmation loses the node of a
// ReplicatedStatefulSet's primary. The hooks cannot fence a member they
// cannot reach, so the set promotes nobody and says in status that it
// waits for the node to be confirmed down; once an administrator taints the
// node out-of-service, Kubernetes removes the pods and the set fails over.
// The data plane never shows two members running as primaries among those
// that can be reached.
func TestRSSNodeLossWaitsForConfirmation(t *testing.T) {
	ctx, ns, _, rss := startReplicatedSet(t, 5*time.Minute)
	old := rss.Status.Members.Primary[0]
	pod, err := cluster.Kube.CoreV1().Pods(ns).Get(ctx, old, metav1.GetOptions{})
	require.NoError(t, err)
	node := pod.Spec.NodeName
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = cluster.SetOutOfService(ctx, node, false)
		_ = cluster.RestoreNode(ctx, node)
		if _, err := cluster.WaitForNode(ctx, node, framework.NodeHealthy); err != nil {
			t.Logf("node %s did not come back: %v", node, err)
		}
	})
	sampler := sampleWritable(ctx, t, ns, "example-")
	_, events := setEvents(ctx, t, ns)

	begin := time.Now()
	require.NoError(t, cluster.LoseNode(ctx, node))
	waiting := waitRSS(ctx, t, ns, "example", "a wait for the node to be confirmed down", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		c := meta.FindStatusCondition(r.Status.Conditions, common.ConditionProgressing)
		return c != nil && strings.Contains(c.Message, "node.kubernetes.io/out-of-service")
	})
	t.Logf("waiting for confirmation %s after the loss: %s", time.Since(begin).Round(time.Second),
		meta.FindStatusCondition(waiting.Status.Conditions, common.ConditionProgressing).Message)
	assert.NotContains(t, eventReasons(ctx, t, ns, events), "FailedOver", "failed over before the node was confirmed down")

	confirmed := time.Now()
	require.NoError(t, cluster.SetOutOfService(ctx, node, true))
	after := waitRSS(ctx, t, ns, "example", "a new primary once the node is confirmed down", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return len(r.Status.Members.Primary) == 1 && r.Status.Members.Primary[0] != old
	})
	t.Logf("new primary %s %s after the out-of-service taint", after.Status.Members.Primary[0], time.Since(confirmed).Round(100*time.Millisecond))
	running, at, samples := sampler.finish()
	assert.LessOrEqual(t, running, 1, "two members ran as primaries among those reachable: %v (%d samples)", at, samples)
}
