package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestVitessPausedClusterWritesNothing pauses a Ready VitessCluster, then
// deletes a tablet pod and asks for another keyspace. Every level reports
// Paused; no pod is recreated, no keyspace or shard is created, no child's
// spec is written. Unpaused, the cluster catches up on both.
func TestVitessPausedClusterWritesNothing(t *testing.T) {
	t.Parallel()
	ctx, ns, _, vc := startVitess(t, "example/my-vitess.yaml", 5*time.Minute)
	s := shardsOf(ctx, t, ns)["main/-80"]
	victim := replicaOf(ctx, t, ns, s)

	updateCluster(ctx, t, ns, vc.Name, func(c *v1alpha1.VitessCluster) { c.Spec.Paused = true })
	for _, name := range []string{vc.Name + "-zone1", vc.Name + "-global"} {
		_, err := framework.WaitForObject(ctx, cluster, ns, name, func(c *v1alpha1.VitessCell) bool { return c.Status.Phase == common.PhasePaused })
		require.NoError(t, err, "cell %s does not say Paused", name)
	}
	_, err := framework.WaitForObject(ctx, cluster, ns, vc.Name+"-main", func(k *v1alpha1.VitessKeyspace) bool { return k.Status.Phase == common.PhasePaused })
	require.NoError(t, err, "the keyspace does not say Paused")
	waitShard(ctx, t, ns, s.Name, "Paused", func(v *v1alpha1.VitessShard) bool { return v.Status.Phase == common.PhasePaused })

	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, victim, metav1.DeleteOptions{}))
	_, err = cluster.WaitFor(ctx, podGVR, ns, victim, framework.Gone)
	require.NoError(t, err)
	updateCluster(ctx, t, ns, vc.Name, func(c *v1alpha1.VitessCluster) {
		ks := *c.Spec.Keyspaces[0].DeepCopy()
		ks.Name, ks.Shards = "extra", nil
		c.Spec.Keyspaces = append(c.Spec.Keyspaces, ks)
	})
	// The cluster has passed over the new spec, and the shard over the
	// missing pod, both still paused.
	waitCluster(ctx, t, ns, vc.Name, "the new generation observed, paused", func(c *v1alpha1.VitessCluster) bool {
		return c.Status.ObservedGeneration == c.Generation && c.Status.Phase == common.PhasePaused
	})
	waitShard(ctx, t, ns, s.Name, "the missing pod seen, paused", func(v *v1alpha1.VitessShard) bool {
		return v.Status.Phase == common.PhasePaused && v.Status.Replicas == 2
	})
	_, exists := tabletPods(ctx, t, ns, s.Name)[victim]
	assert.False(t, exists, "a paused cluster got a tablet pod recreated")
	_, err = cluster.Client.VitessV1alpha1().VitessKeyspaces(ns).Get(ctx, vc.Name+"-extra", metav1.GetOptions{})
	assert.Error(t, err, "a paused cluster created a keyspace")
	now, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Get(ctx, s.Name, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, now.Generation, s.Generation, "a paused cluster wrote a shard's spec")

	updateCluster(ctx, t, ns, vc.Name, func(c *v1alpha1.VitessCluster) { c.Spec.Paused = false })
	waitCluster(ctx, t, ns, vc.Name, "Ready with the new keyspace", func(c *v1alpha1.VitessCluster) bool {
		return clusterReady(c) && c.Status.Shards == 3
	})
	waitShard(ctx, t, ns, s.Name, "the tablet back", shardRunning(3))
}
