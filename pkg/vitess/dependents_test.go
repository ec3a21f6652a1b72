package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
)

// TestDependents proves whom a cell's and a keyspace's changes poke: a cell
// every keyspace and shard of its cluster, a keyspace the shards of its own
// keyspace only, and an object of no cluster nobody.
func TestDependents(t *testing.T) {
	meta := func(name, cluster, keyspace string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Namespace: "ns", Name: name, Labels: map[string]string{LabelCluster: cluster, LabelKeyspace: keyspace}}
	}
	ksIndex := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	shardIndex := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, ks := range []*v1alpha1.VitessKeyspace{{ObjectMeta: meta("a-main", "a", "main")}, {ObjectMeta: meta("b-main", "b", "main")}} {
		require.NoError(t, ksIndex.Add(ks))
	}
	for _, s := range []*v1alpha1.VitessShard{
		{ObjectMeta: meta("a-main-x", "a", "main")}, {ObjectMeta: meta("a-other-x", "a", "other")}, {ObjectMeta: meta("b-main-x", "b", "main")},
	} {
		require.NoError(t, shardIndex.Add(s))
	}
	keyspaces, shards := vtlisters.NewVitessKeyspaceLister(ksIndex), vtlisters.NewVitessShardLister(shardIndex)
	key := func(kind controller.Kind, name string) controller.Key {
		return controller.Key{Kind: kind, Namespace: "ns", Name: name}
	}

	cell := &v1alpha1.VitessCell{ObjectMeta: meta("a-zone1", "a", "")}
	got, err := cellDependents(keyspaces, shards)(cell)
	require.NoError(t, err)
	assert.ElementsMatch(t, []controller.Key{key(KeyspaceKind, "a-main"), key(ShardKind, "a-main-x"), key(ShardKind, "a-other-x")}, got)

	ks := &v1alpha1.VitessKeyspace{ObjectMeta: meta("a-main", "a", "main")}
	got, err = keyspaceDependents(shards)(ks)
	require.NoError(t, err)
	assert.Equal(t, []controller.Key{key(ShardKind, "a-main-x")}, got)

	stray := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "stray"}}
	got, err = cellDependents(keyspaces, shards)(stray)
	require.NoError(t, err)
	assert.Empty(t, got)
}

// TestRegistrationChangedIsWhatDependentsWaitOn proves a keyspace's or a
// cell's update pokes the objects waiting on it only when its registration,
// its labels or its deletion changed, not for every status it rolls up.
func TestRegistrationChangedIsWhatDependentsWaitOn(t *testing.T) {
	ks := &v1alpha1.VitessKeyspace{ObjectMeta: metav1.ObjectMeta{Name: "a-main", Labels: map[string]string{LabelCluster: "a"}}}
	rolledUp := ks.DeepCopy()
	rolledUp.Status.Phase = "Running"
	assert.False(t, registrationChanged(ks, rolledUp), "a status roll-up")

	reg := ks.DeepCopy()
	reg.Status.Conditions = []metav1.Condition{{Type: ConditionRegistered, Status: metav1.ConditionTrue}}
	assert.True(t, registrationChanged(ks, reg), "registered")

	relabelled := ks.DeepCopy()
	relabelled.Labels[LabelCluster] = "b"
	assert.True(t, registrationChanged(ks, relabelled), "relabelled")

	deleting := ks.DeepCopy()
	now := metav1.Now()
	deleting.DeletionTimestamp = &now
	assert.True(t, registrationChanged(ks, deleting), "deleting")

	cell := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "a-zone1"}}
	cellReg := cell.DeepCopy()
	cellReg.Status.Conditions = []metav1.Condition{{Type: ConditionRegistered, Status: metav1.ConditionTrue}}
	assert.True(t, registrationChanged(cell, cellReg))
	assert.False(t, registrationChanged(cellReg, cellReg.DeepCopy()))

	assert.True(t, registrationChanged(&metav1.ObjectMeta{}, &metav1.ObjectMeta{}), "an object of another kind: poke")
}
