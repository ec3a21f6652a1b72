package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// TestVitessDrainMovesPrimariesByPlannedReparent drains, with kubectl drain,
// the node of a shard's primary: the eviction of the primary's pod is a
// graceful deletion, its containers hold while its mysqld is writable, and
// the operator moves the role with a planned reparent before they stop.
// Every shard keeps a primary, no emergency reparent is made, no write the
// old primary acknowledged is lost, and never are two tablets of a shard
// writable at once.
func TestVitessDrainMovesPrimariesByPlannedReparent(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 5*time.Minute)
	ns := cluster.NewNamespace(t)
	cluster.StartOperator(t, ns, "op")
	vc := readCluster(t, "example/my-vitess.yaml")
	// kubectl drain's --pod-selector spans namespaces: a label of this
	// namespace keeps the drain off the other tests' pods.
	vc.Spec.Template.Metadata.Labels["e2e-drain"] = ns
	_, err := cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, vc, metav1.CreateOptions{})
	require.NoError(t, err)
	waitCluster(ctx, t, ns, vc.Name, "Ready", clusterReady)

	s := shardsOf(ctx, t, ns)["main/-80"]
	primary := s.Status.Members.Primary[0]
	pod, err := cluster.Kube.CoreV1().Pods(ns).Get(ctx, primary, metav1.GetOptions{})
	require.NoError(t, err)
	node := pod.Spec.NodeName
	acked := 0
	for range 3 {
		if _, err := execIn(ctx, ns, primary, "tabletsim", "write", "5"); err == nil {
			acked += 5
		}
	}
	require.Greater(t, acked, 0)
	before := shardEvents(ctx, t, ns)
	sampler := sampleWritable(ctx, t, ns, "vitess-vttablet-")

	// kubectl drain honours the shard's PodDisruptionBudget, which allows
	// an eviction only once kube-controller-manager's disruption controller
	// has computed it: it reads the shard's scale subresource, which it can
	// resolve only after its discovery has seen the CRDs (tens of seconds on
	// a cluster that just started).
	err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		pdb, err := cluster.Kube.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, s.Name, metav1.GetOptions{})
		return err == nil && pdb.Status.DisruptionsAllowed >= 1, nil
	})
	require.NoError(t, err, "the shard's PodDisruptionBudget never allowed a disruption")
	t.Cleanup(func() { _, _ = cluster.Kubectl(context.Background(), "uncordon", node) })
	out, err := cluster.Kubectl(ctx, "drain", node, "--pod-selector=e2e-drain="+ns+","+vitess.LabelComponent+"=vttablet",
		"--ignore-daemonsets", "--delete-emptydir-data", "--timeout=55s")
	require.NoError(t, err, out)
	t.Logf("kubectl drain %s: %s", node, strings.TrimSpace(out))

	s2 := waitShard(ctx, t, ns, s.Name, "whole, with its primary moved", func(v *v1alpha1.VitessShard) bool {
		return shardRunning(3)(v) && len(v.Status.Members.Primary) == 1 && v.Status.Members.Primary[0] != primary
	})
	waitCluster(ctx, t, ns, vc.Name, "Ready after the drain", clusterReady)
	moved := s2.Status.Members.Primary[0]
	assert.GreaterOrEqual(t, position(ctx, t, ns, moved), acked, "the new primary lost acknowledged writes")
	for _, p := range tabletPods(ctx, t, ns, s.Name) {
		assert.NotEqual(t, node, p.Spec.NodeName, "%s runs on the drained node", p.Name)
	}
	reasons := shardEventsSince(ctx, t, ns, before)
	t.Logf("shard events since the drain began: %v", reasons)
	assert.Contains(t, reasons, "SwitchedOver", "no planned reparent: %v", reasons)
	for _, bad := range []string{"FailedOver", "Promoted", "PromoteFailed", "Fenced"} {
		assert.NotContains(t, reasons, bad, "the drain caused an unplanned reparent: %v", reasons)
	}
	writable, at, samples := sampler.finish()
	assert.Equal(t, 1, writable, "two writable tablets in one shard at one moment: %v (%d samples)", at, samples)
}

// shardEvents reads the Events recorded on the VitessShards of ns, by name
// to count.
func shardEvents(ctx context.Context, t testing.TB, ns string) eventLog {
	t.Helper()
	_, log := eventsOf(ctx, t, ns, vitess.ShardKind)
	return log
}

// shardEventsSince lists the reasons of the shard Events recorded since
// before was taken.
func shardEventsSince(ctx context.Context, t testing.TB, ns string, before eventLog) []string {
	t.Helper()
	events, _ := eventsOf(ctx, t, ns, vitess.ShardKind)
	var out []string
	for _, e := range events {
		if n, ok := before[e.Name]; !ok || e.Count > n {
			out = append(out, e.Reason)
		}
	}
	return out
}
