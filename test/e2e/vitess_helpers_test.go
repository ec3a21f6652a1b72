package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

var vtGVR = v1alpha1.SchemeGroupVersion.WithResource("vitessclusters")

// readCluster reads a VitessCluster manifest from example/ or test/e2e/testdata/.
func readCluster(t testing.TB, path string) *v1alpha1.VitessCluster {
	t.Helper()
	vc, err := framework.ReadObject[v1alpha1.VitessCluster](filepath.Join(cluster.Root, path))
	require.NoError(t, err)
	return vc
}

// startVitess runs an operator in a fresh namespace, creates the cluster of
// path and returns once it is Ready.
func startVitess(t *testing.T, path string, limit time.Duration) (context.Context, string, *framework.Operator, *v1alpha1.VitessCluster) {
	t.Helper()
	ctx := testContext(t, limit)
	ns := cluster.NewNamespace(t)
	op := cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	vc := readCluster(t, path)
	_, err := cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, vc, metav1.CreateOptions{})
	require.NoError(t, err)
	return ctx, ns, op, waitCluster(ctx, t, ns, vc.Name, "Ready", clusterReady)
}

func clusterReady(vc *v1alpha1.VitessCluster) bool {
	return vc.Status.ObservedGeneration == vc.Generation && vc.Status.Phase == common.PhaseReady &&
		meta.IsStatusConditionTrue(vc.Status.Conditions, common.ConditionReady)
}

// waitCluster watches a VitessCluster until cond holds.
func waitCluster(ctx context.Context, t testing.TB, ns, name, what string, cond func(*v1alpha1.VitessCluster) bool) *v1alpha1.VitessCluster {
	t.Helper()
	return framework.Await(ctx, t, cluster, ns, name, what, cond, func() { dumpShards(t, ns) })
}

// dumpShards logs the state of every VitessShard in ns, to explain a wait
// that failed.
func dumpShards(t testing.TB, ns string) {
	list, err := cluster.Client.VitessV1alpha1().VitessShards(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		return
	}
	for _, s := range list.Items {
		var conds []string
		for _, c := range s.Status.Conditions {
			conds = append(conds, c.Type+"="+string(c.Status)+" ("+c.Message+")")
		}
		t.Logf("shard %s: %s %v; %s", s.Name, s.Status.Phase, s.Status.Members, strings.Join(conds, "; "))
	}
}

// shardsOf returns the cluster's VitessShards by Vitess keyspace/shard.
func shardsOf(ctx context.Context, t testing.TB, ns string) map[string]v1alpha1.VitessShard {
	t.Helper()
	list, err := cluster.Client.VitessV1alpha1().VitessShards(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	out := map[string]v1alpha1.VitessShard{}
	for _, s := range list.Items {
		out[s.Spec.Keyspace+"/"+s.Spec.Name] = s
	}
	return out
}

// tabletPods returns the tablet pods of a shard object, by name.
func tabletPods(ctx context.Context, t testing.TB, ns, shard string) map[string]corev1.Pod {
	t.Helper()
	return setPods(ctx, t, ns, vitess.ShardKind, shard)
}

// replicaOf returns a master-eligible tablet of the shard that is not its primary.
func replicaOf(ctx context.Context, t testing.TB, ns string, s v1alpha1.VitessShard) string {
	t.Helper()
	for name, p := range tabletPods(ctx, t, ns, s.Name) {
		if p.Labels[vitess.LabelPool] == vitess.PoolMasterEligible && name != s.Status.Members.Primary[0] {
			return name
		}
	}
	t.Fatalf("shard %s has no replica", s.Name)
	return ""
}

// waitShard watches a VitessShard until cond holds.
func waitShard(ctx context.Context, t testing.TB, ns, name, what string, cond func(*v1alpha1.VitessShard) bool) *v1alpha1.VitessShard {
	t.Helper()
	return framework.Await(ctx, t, cluster, ns, name, what, cond, func() { dumpShards(t, ns) })
}

// shardRunning holds when the shard runs n tablets with one primary.
func shardRunning(n int) func(*v1alpha1.VitessShard) bool {
	return func(s *v1alpha1.VitessShard) bool {
		return s.Status.ObservedGeneration == s.Generation && s.Status.Phase == common.PhaseReady &&
			len(s.Status.Members.Primary) == 1 && len(s.Status.Members.Ready) == n
	}
}

// updateCluster applies change to the latest version of a VitessCluster,
// retrying on conflicts.
func updateCluster(ctx context.Context, t testing.TB, ns, name string, change func(*v1alpha1.VitessCluster)) {
	t.Helper()
	_, err := framework.Update(ctx, cluster.Client.VitessV1alpha1().VitessClusters(ns), name, change)
	require.NoError(t, err)
}

// Short names for the Vitess API types.
type (
	vitessCluster = v1alpha1.VitessCluster
	vitessShard   = v1alpha1.VitessShard
)
