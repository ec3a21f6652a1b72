package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestBenchCluster proves the shape of the measured cluster: the shards
// spread evenly over the keyspaces, three master-eligible tablets a shard
// and no batch tablets.
func TestBenchCluster(t *testing.T) {
	base := &v1alpha1.VitessCluster{Spec: v1alpha1.VitessClusterSpec{Keyspaces: []v1alpha1.KeyspaceSpec{{
		Name: "main", Cells: []string{"zone1"},
		Tablets: v1alpha1.TabletsSpec{MasterEligible: &v1alpha1.TabletPool{Replicas: 2}, Batch: &v1alpha1.TabletPool{Replicas: 1}},
	}}}}
	vc, err := benchCluster(base, 4, 16)
	require.NoError(t, err)
	require.Len(t, vc.Spec.Keyspaces, 4)
	for i, ks := range vc.Spec.Keyspaces {
		assert.Equal(t, []string{"zone1"}, ks.Cells)
		assert.Len(t, ks.Shards, 4, "keyspace %d", i)
		assert.Equal(t, int32(tabletsPerShard), ks.Tablets.MasterEligible.Replicas)
		assert.Nil(t, ks.Tablets.Batch)
	}
	assert.Equal(t, int32(2), base.Spec.Keyspaces[0].Tablets.MasterEligible.Replicas, "the base is left as it was")
	_, err = benchCluster(base, 4, 10)
	assert.Error(t, err)
}

// TestQuantile proves the nearest-rank quantiles the table prints.
func TestQuantile(t *testing.T) {
	var s samples
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, s.quantile(0.5))
	assert.Equal(t, 99*time.Millisecond, s.quantile(0.99))
	assert.Equal(t, 100*time.Millisecond, s.quantile(1))
	assert.Equal(t, time.Duration(0), samples(nil).quantile(0.5))
	assert.Equal(t, 7*time.Millisecond, samples{7 * time.Millisecond}.quantile(0.99))
}
