package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestVitessShardWithATakenNameIsRefusedUntilFreed proves that a shard whose
// PodDisruptionBudget name is taken by one it does not own is reported
// Degraded, refused, with an event, before any tablet pod is made, and
// that the refusal ends once the name is free.
func TestVitessShardWithATakenNameIsRefusedUntilFreed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	ns := cluster.NewNamespace(t)
	one := intstr.FromInt32(1)
	foreign := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "vitess-main-0"},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "other"}}}}
	_, err := cluster.Kube.PolicyV1().PodDisruptionBudgets(ns).Create(ctx, foreign, metav1.CreateOptions{})
	require.NoError(t, err)
	cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	shard := &v1alpha1.VitessShard{
		ObjectMeta: metav1.ObjectMeta{Name: "vitess-main-0"},
		Spec: v1alpha1.VitessShardSpec{Cluster: "vitess", Keyspace: "main", Name: "0", Cells: []string{"zone1"},
			ReconcileInterval: &metav1.Duration{Duration: 2 * time.Second},
			Tablets:           v1alpha1.TabletsSpec{MasterEligible: &v1alpha1.TabletPool{Replicas: 2}}},
	}
	_, err = cluster.Client.VitessV1alpha1().VitessShards(ns).Create(ctx, shard, metav1.CreateOptions{})
	require.NoError(t, err)

	degraded := func(s *v1alpha1.VitessShard) *metav1.Condition {
		return findCondition(s.Status.Conditions, common.ConditionDegraded)
	}
	framework.Await(ctx, t, cluster, ns, shard.Name, "refused", func(s *v1alpha1.VitessShard) bool {
		c := degraded(s)
		return c != nil && c.Reason == "Refused" && strings.Contains(c.Message,
			"PodDisruptionBudget vitess-main-0 exists and is not owned by VitessShard vitess-main-0")
	})
	awaitEvent(ctx, t, ns, shard.Name, "Refused")
	assert.Empty(t, setPods(ctx, t, ns, vitess.ShardKind, shard.Name), "a refused shard has no pod")

	// Freed, the shard is no longer refused; it waits for its keyspace,
	// which no cluster registers here.
	require.NoError(t, cluster.Kube.PolicyV1().PodDisruptionBudgets(ns).Delete(ctx, foreign.Name, metav1.DeleteOptions{}))
	framework.Await(ctx, t, cluster, ns, shard.Name, "no longer refused", func(s *v1alpha1.VitessShard) bool {
		c, p := degraded(s), findCondition(s.Status.Conditions, common.ConditionProgressing)
		return c != nil && c.Reason != "Refused" && p != nil && strings.Contains(p.Message, "waiting for keyspace main")
	})
	pdb, err := cluster.Kube.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, shard.Name, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, vitess.ShardKind, metav1.GetControllerOf(pdb).Kind)
}

// TestVitessClusterWithATakenChildNameIsRefused proves that a cluster whose
// VitessCell name is taken by an object it does not own reports Degraded
// naming the object, with a NameTaken event, instead of failing its pass
// before any status is written.
func TestVitessClusterWithATakenChildNameIsRefused(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	ns := cluster.NewNamespace(t)
	foreign := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "vitess-zone1"},
		Spec: v1alpha1.VitessCellSpec{Cluster: "elsewhere", CellSpec: v1alpha1.CellSpec{Name: "zone1"}}}
	_, err := cluster.Client.VitessV1alpha1().VitessCells(ns).Create(ctx, foreign, metav1.CreateOptions{})
	require.NoError(t, err)
	cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	vc := readCluster(t, "example/my-vitess.yaml")
	_, err = cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, vc, metav1.CreateOptions{})
	require.NoError(t, err)

	waitCluster(ctx, t, ns, vc.Name, "refused", func(got *v1alpha1.VitessCluster) bool {
		c := findCondition(got.Status.Conditions, common.ConditionDegraded)
		return got.Status.Phase == common.PhaseDegraded && c != nil && c.Status == metav1.ConditionTrue &&
			strings.Contains(c.Message, "VitessCell vitess-zone1 exists and is not owned by VitessCluster vitess")
	})
	e := awaitEvent(ctx, t, ns, vc.Name, "NameTaken")
	assert.Contains(t, e.Message, "vitess-zone1")
}
