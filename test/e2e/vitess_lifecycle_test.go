package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestVitessTwoCellsSeveralKeyspaces runs a different cluster: two
// keyspaces, three uneven shards, tablets in two cells, a keyspace without a
// batch pool. Every shard has exactly one primary across both cells.
func TestVitessTwoCellsSeveralKeyspaces(t *testing.T) {
	t.Parallel()
	ctx, ns, _, vc := startVitess(t, "test/e2e/testdata/two-cells.yaml", 4*time.Minute)
	assert.Equal(t, int32(4), vc.Status.Shards)
	shards := shardsOf(ctx, t, ns)
	want := map[string]int{"customers/-40": 6, "customers/40-a0": 6, "customers/a0-": 6, "catalog/0": 2}
	require.Len(t, shards, len(want))
	for name, n := range want {
		s, ok := shards[name]
		require.True(t, ok, "no shard %s", name)
		pods := tabletPods(ctx, t, ns, s.Name)
		assert.Len(t, pods, n, name)
		cells := map[string]int{}
		primaries := 0
		for _, p := range pods {
			cells[p.Labels[vitess.LabelCell]]++
			if p.Labels[replication.LabelRole] == replication.RolePrimary {
				primaries++
			}
		}
		assert.Equal(t, map[string]int{"zone1": n / 2, "zone2": n / 2}, cells, name)
		assert.Equal(t, 1, primaries, "%s: one primary across both cells", name)
		assert.Len(t, s.Status.Members.Primary, 1, name)
	}
}

// TestVitessOperatorRestartChangesNoPod kills the operator with SIGKILL over
// a Ready cluster and starts another: no pod is replaced and no reparent
// happens.
func TestVitessOperatorRestartChangesNoPod(t *testing.T) {
	t.Parallel()
	ctx, ns, op, _ := startVitess(t, "example/my-vitess.yaml", 3*time.Minute)
	uids := func() map[string]types.UID {
		pods, err := cluster.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		out := map[string]types.UID{}
		for _, p := range pods.Items {
			out[p.Name] = p.UID
		}
		return out
	}
	before := uids()
	events, err := cluster.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	seen := map[string]int32{}
	for _, e := range events.Items {
		seen[e.Name] = e.Count
	}

	op.Kill()
	op = cluster.StartOperator(t, ns, "op-2", framework.FastLeaderElection()...)
	_, err = cluster.WaitFor(ctx, leaseGVR, ns, leaseName, op.LeaseHolder)
	require.NoError(t, err)
	waitReady(ctx, t, op, 200)
	// A spec edit makes every object's goroutine run a pass now.
	updateCluster(ctx, t, ns, "vitess", func(vc *vitessCluster) { vc.Spec.ReconcileInterval = &metav1.Duration{Duration: 40 * time.Second} })
	waitCluster(ctx, t, ns, "vitess", "Ready after the restart", clusterReady)
	for _, s := range shardsOf(ctx, t, ns) {
		waitShard(ctx, t, ns, s.Name, "a pass of the new operator", func(v *vitessShard) bool {
			return v.Status.ObservedGeneration == v.Generation && shardRunning(3)(v)
		})
	}
	assert.Equal(t, before, uids(), "a restart over a Ready cluster replaced pods")
	events, err = cluster.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	for _, e := range events.Items {
		if n, ok := seen[e.Name]; ok && e.Count == n {
			continue
		}
		for _, bad := range []string{"Seeded", "Promoted", "FailedOver", "SwitchedOver", "MemberDeleted", "Stopped"} {
			assert.NotEqual(t, bad, e.Reason, "after the restart: %s %s", e.Reason, e.Message)
		}
	}
}

// TestVitessDeleteClusterKeepsClaims deletes the VitessCluster: its
// children and their pods go, the tablets' and etcd's claims stay.
func TestVitessDeleteClusterKeepsClaims(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startVitess(t, "example/my-vitess.yaml", 3*time.Minute)
	claims, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, claims.Items)

	fg := metav1.DeletePropagationForeground
	require.NoError(t, cluster.Client.VitessV1alpha1().VitessClusters(ns).Delete(ctx, "vitess", metav1.DeleteOptions{PropagationPolicy: &fg}))
	_, err = cluster.WaitFor(ctx, vtGVR, ns, "vitess", framework.Gone)
	require.NoError(t, err)
	for _, list := range []func() (int, error){
		func() (int, error) {
			l, err := cluster.Client.VitessV1alpha1().VitessShards(ns).List(ctx, metav1.ListOptions{})
			return len(l.Items), err
		},
		func() (int, error) {
			l, err := cluster.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			live := 0
			for _, p := range l.Items {
				if p.DeletionTimestamp == nil {
					live++
				}
			}
			return live, err
		},
	} {
		n, err := list()
		require.NoError(t, err)
		assert.Zero(t, n, "children left after the cluster was deleted")
	}
	after, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	var names []string
	for _, c := range after.Items {
		if c.DeletionTimestamp == nil {
			names = append(names, c.Name)
		}
	}
	assert.Len(t, names, len(claims.Items), "claims: %s", strings.Join(names, ", "))
}

// TestVitessRemovedShardIsKeptWhileItRunsTablets removes a keyspace from the
// spec: its shards still run tablets that hold data, so they are kept, their
// pods untouched, and the cluster says so.
func TestVitessRemovedShardIsKeptWhileItRunsTablets(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startVitess(t, "test/e2e/testdata/two-cells.yaml", 4*time.Minute)
	catalog := shardsOf(ctx, t, ns)["catalog/0"]
	before := tabletPods(ctx, t, ns, catalog.Name)

	updateCluster(ctx, t, ns, "shop", func(vc *vitessCluster) {
		vc.Spec.Keyspaces = vc.Spec.Keyspaces[:1]
	})
	vc := waitCluster(ctx, t, ns, "shop", "the removal reported", func(v *vitessCluster) bool {
		c := meta.FindStatusCondition(v.Status.Conditions, common.ConditionReady)
		return v.Status.ObservedGeneration == v.Generation && c != nil && strings.Contains(c.Message, "kept until drained")
	})
	assert.Equal(t, int32(3), vc.Status.Shards, "only the shards asked for count")
	c := meta.FindStatusCondition(vc.Status.Conditions, common.ConditionReady)
	assert.Contains(t, c.Message, "catalog/0")
	_, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Get(ctx, catalog.Name, metav1.GetOptions{})
	require.NoError(t, err, "a shard that runs tablets was deleted")
	after := tabletPods(ctx, t, ns, catalog.Name)
	require.Len(t, after, len(before))
	for name, p := range before {
		assert.Equal(t, p.UID, after[name].UID, "tablet %s of a kept shard was replaced", name)
	}
}

// TestVitessFailoverSurvivesOperatorKills deletes a shard's primary and
// kills the operator three times while it fails the shard over: the shard
// ends with one primary holding every acknowledged write, and a watch of
// the tablets' role labels never saw two primaries.
func TestVitessFailoverSurvivesOperatorKills(t *testing.T) {
	t.Parallel()
	ctx, ns, op, _ := startVitess(t, "example/my-vitess.yaml", 4*time.Minute)
	s := shardsOf(ctx, t, ns)["main/-80"]
	watch := watchSetPrimaries(ctx, t, ns, vitess.ShardKind, s.Name)
	sampler := sampleWritable(ctx, t, ns, "vitess-vttablet-")
	primary := s.Status.Members.Primary[0]
	acked := 0
	for i := 0; i < 3; i++ {
		if _, err := execIn(ctx, ns, primary, "tabletsim", "write", "2"); err == nil {
			acked += 2
		}
	}
	require.Greater(t, acked, 0)

	op.Kill()
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, primary, metav1.DeleteOptions{}))
	for i, d := range []time.Duration{60 * time.Millisecond, 150 * time.Millisecond, 250 * time.Millisecond} {
		killAfter(t, ns, 10+i, d)
	}
	cluster.StartOperator(t, ns, "op-final", "--leader-elect=false")
	s2 := waitShard(ctx, t, ns, s.Name, "a new primary after the kills", func(v *vitessShard) bool {
		return shardRunning(3)(v) && v.Status.Members.Primary[0] != primary
	})
	assert.GreaterOrEqual(t, position(ctx, t, ns, s2.Status.Members.Primary[0]), acked)
	most, events := watch.mostAtOnce()
	assert.Equal(t, 1, most, "two primaries at one moment (%d watch events)", events)
	writable, at, samples := sampler.finish()
	assert.Equal(t, 1, writable, "two writable tablets in one shard at one moment: %v (%d samples)", at, samples)
}
