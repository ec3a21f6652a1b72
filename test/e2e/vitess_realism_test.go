package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// claimDir is where the simulation host keeps a claim's data.
func claimDir(ctx context.Context, t *testing.T, ns, claim string) string {
	t.Helper()
	c, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
	require.NoError(t, err)
	return filepath.Join(cluster.SimRoot(), "claims", ns, claim+"-"+string(c.UID))
}

// TestVitessSlowStartIsNeverStoppedOrDeleted makes a replica's mysqld take
// 60 s to accept connections after its pod is made anew (as a restore or a
// crash recovery would): the operator neither stops nor deletes it while it
// starts, and the shard is whole again once it answers.
func TestVitessSlowStartIsNeverStoppedOrDeleted(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startVitess(t, "example/my-vitess.yaml", 4*time.Minute)
	s := shardsOf(ctx, t, ns)["main/-80"]
	replica := replicaOf(ctx, t, ns, s)
	dir := claimDir(ctx, t, ns, "vtdataroot-"+replica)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mysqld-startup-delay"), []byte("60s"), 0o644))
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, replica, metav1.DeleteOptions{}))

	started, err := framework.WaitForObject(ctx, cluster, ns, replica, func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil
	})
	require.NoError(t, err)
	begin := time.Now()
	_, events := setEvents(ctx, t, ns)
	s2 := waitShard(ctx, t, ns, s.Name, "the slow replica answering", shardRunning(3))
	took := time.Since(begin)
	t.Logf("the replica answered %s after its pod ran", took.Round(time.Second))
	assert.GreaterOrEqual(t, took, 55*time.Second, "the shard was Running before the replica could answer")
	now, err := cluster.Kube.CoreV1().Pods(ns).Get(ctx, replica, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, started.UID, now.UID, "the starting replica's pod was replaced")
	for _, r := range eventReasons(ctx, t, ns, events) {
		assert.NotContains(t, []string{"Stopped", "MemberDeleted", "Fenced"}, r, "while the replica started")
	}
	assert.Len(t, s2.Status.Members.Primary, 1)
}

// TestVitessNodeLossFailsOverAndHeals loses the node of a shard's primary:
// the node stops reporting, exec into its pods fails and the simulated
// processes on it stop answering. The shard gets a new primary on another
// node, the lost tablets are replaced elsewhere on their claims, and the
// cluster is Ready again, all within 60 s; the data plane never shows two
// writable tablets in a shard among those that can be reached.
func TestVitessNodeLossFailsOverAndHeals(t *testing.T) {
	ctx, ns, op, _ := startVitess(t, "example/my-vitess.yaml", 5*time.Minute)
	shard, node := primaryOnQuietNode(ctx, t, ns)
	old := shard.Status.Members.Primary[0]
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = cluster.RestoreNode(ctx, node)
		if _, err := cluster.WaitForNode(ctx, node, framework.NodeHealthy); err != nil {
			t.Logf("node %s did not come back: %v", node, err)
		}
	})
	sampler := sampleWritable(ctx, t, ns, "vitess-vttablet-")

	begin := time.Now()
	require.NoError(t, cluster.LoseNode(ctx, node))
	s2 := waitShard(ctx, t, ns, shard.Name, "a new primary", func(v *v1alpha1.VitessShard) bool {
		return len(v.Status.Members.Primary) == 1 && v.Status.Members.Primary[0] != old
	})
	failover := time.Since(begin)
	waitCluster(ctx, t, ns, "vitess", "Ready after the node loss", clusterReady)
	ready := time.Since(begin)
	t.Logf("node %s lost: new primary %s after %s, cluster Ready after %s", node, s2.Status.Members.Primary[0],
		failover.Round(100*time.Millisecond), ready.Round(100*time.Millisecond))
	assert.Less(t, ready, 60*time.Second, "node loss to a Ready cluster")

	for name, p := range tabletPods(ctx, t, ns, shard.Name) {
		assert.NotEqual(t, node, p.Spec.NodeName, "tablet %s still on the lost node", name)
	}
	writable, at, samples := sampler.finish()
	assert.LessOrEqual(t, writable, 1, "two writable tablets in one shard at one moment: %v (%d samples)", at, samples)

	// The failover is in /metrics, by shard, with its duration.
	labels := `cluster="vitess",keyspace="` + shard.Spec.Keyspace + `",kind="VitessShard",namespace="` + ns + `",`
	assert.Equal(t, "1", metric(ctx, op, `vitess_operator_failovers_total{`+labels+`set="`+shard.Name+`",shard="`+shard.Spec.Name+`"}`))
	assert.Equal(t, "1", metric(ctx, op, `vitess_operator_failover_duration_seconds_count{kind="VitessShard",namespace="`+ns+`"}`))
	assert.Equal(t, "1", metric(ctx, op, `vitess_operator_primary_info{`+labels+`pod="`+s2.Status.Members.Primary[0]+
		`",set="`+shard.Name+`",shard="`+shard.Spec.Name+`"}`))
}

// primaryOnQuietNode picks a shard whose primary runs on a node without
// the cluster's vtctld, moving a primary off that node with a switchover if
// it must: the cluster has one vtctld, and a cell without one is not Ready
// until its Deployment replaces it, after the taint manager evicts it
// (lostNodeTolerationSeconds), which is not what this test measures. A lost
// vtgate or etcd member leaves the cell serving.
func primaryOnQuietNode(ctx context.Context, t *testing.T, ns string) (v1alpha1.VitessShard, string) {
	t.Helper()
	pods, err := cluster.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	vtctldNode := map[string]bool{}
	nodeOf := map[string]string{}
	for _, p := range pods.Items {
		nodeOf[p.Name] = p.Spec.NodeName
		if p.Labels[vitess.LabelComponent] == "vtctld" {
			vtctldNode[p.Spec.NodeName] = true
		}
	}
	shards := shardsOf(ctx, t, ns)
	for _, s := range shards {
		if n := nodeOf[s.Status.Members.Primary[0]]; !vtctldNode[n] {
			return s, n
		}
	}
	s := shards["main/-80"]
	for name, p := range tabletPods(ctx, t, ns, s.Name) {
		if p.Labels[vitess.LabelPool] != vitess.PoolMasterEligible || vtctldNode[p.Spec.NodeName] {
			continue
		}
		t.Logf("every primary shares its node with vtctld; moving %s's primary to %s", s.Name, name)
		patch := `{"metadata":{"annotations":{"` + vitess.AnnotationPrimary + `":"` + name + `"}}}`
		_, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Patch(ctx, s.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
		require.NoError(t, err)
		moved := waitShard(ctx, t, ns, s.Name, "the switchover", func(v *v1alpha1.VitessShard) bool {
			return shardRunning(3)(v) && v.Status.Members.Primary[0] == name
		})
		return *moved, p.Spec.NodeName
	}
	t.Fatalf("no master-eligible tablet of %s runs off vtctld's node", s.Name)
	return v1alpha1.VitessShard{}, ""
}

// TestVitessCrashedPrimaryShowsByItsReadiness crashes a shard's primary
// (its mysqld stops, the pod stays) in a cluster whose safety-net interval
// is ten minutes, and reports the pod not ready as the kubelet does once
// vttablet's readiness probe fails: the pod's update alone brings the
// failover, long before any safety-net pass.
func TestVitessCrashedPrimaryShowsByItsReadiness(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startVitess(t, "example/my-vitess.yaml", 4*time.Minute)
	updateCluster(ctx, t, ns, "vitess", func(vc *v1alpha1.VitessCluster) {
		vc.Spec.ReconcileInterval = &metav1.Duration{Duration: 10 * time.Minute}
	})
	s := waitShard(ctx, t, ns, shardsOf(ctx, t, ns)["main/-80"].Name, "the long interval in the shard", func(v *v1alpha1.VitessShard) bool {
		return shardRunning(3)(v) && v.Spec.ReconcileInterval != nil && v.Spec.ReconcileInterval.Duration == 10*time.Minute
	})
	primary := s.Status.Members.Primary[0]
	pod := tabletPods(ctx, t, ns, s.Name)[primary]
	dir := claimDir(ctx, t, ns, "vtdataroot-"+primary)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "crash"), []byte(pod.UID), 0o644))
	start := time.Now()
	require.NoError(t, cluster.FailReadiness(ctx, ns, primary, pod.UID, dataplane.VttabletContainer))

	waitShard(ctx, t, ns, s.Name, "a new primary and the crashed tablet replaced", func(v *v1alpha1.VitessShard) bool {
		p, ok := tabletPods(ctx, t, ns, s.Name)[primary]
		return shardRunning(3)(v) && v.Status.Members.Primary[0] != primary && ok && p.UID != pod.UID
	})
	took := time.Since(start)
	t.Logf("failed over and replaced %s after its pod turned NotReady", took.Round(time.Second))
	assert.Less(t, took, 2*time.Minute, "the failover waited for a safety-net pass")
}
