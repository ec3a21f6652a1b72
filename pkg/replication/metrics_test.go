package replication

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// identifiedSet is the fake set as a shard of a cluster.
type identifiedSet struct{ *fakeSet }

func (identifiedSet) Identity() SetIdentity {
	return SetIdentity{Cluster: "vt", Keyspace: "main", Shard: "-80"}
}

// TestMetricsCarryTheShardAndFollowThePrimary proves the per-set metrics
// carry namespace, cluster, keyspace and shard; primary_info names the
// current primary only; the failover histogram observes; and a forgotten
// set leaves no gauge.
func TestMetricsCarryTheShardAndFollowThePrimary(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg)
	require.NoError(t, err)
	set := identifiedSet{newFakeSet(3, 1, newFakeDriver())}
	m.observeMembers(set, common.Members{Primary: []string{"s-0"}, Ready: []string{"s-0", "s-1", "s-2"}})
	m.observeMembers(set, common.Members{Primary: []string{"s-1"}, Ready: []string{"s-1", "s-2"}, Failed: []string{"s-0"}})
	m.failedOver(set, 3*time.Second)
	m.switchedOver(set)
	labels := `cluster="vt",keyspace="main",kind="` + fakeKind + `",namespace="` + fakeNS + `",set="` + fakeName + `",shard="-80"`
	want := `
# HELP vitess_operator_primary_info 1 for the pod each set reports as its primary; a set with none has no series.
# TYPE vitess_operator_primary_info gauge
vitess_operator_primary_info{cluster="vt",keyspace="main",kind="` + fakeKind + `",namespace="` + fakeNS + `",pod="s-1",set="` + fakeName + `",shard="-80"} 1
# HELP vitess_operator_failovers_total Promotions that replaced a lost primary.
# TYPE vitess_operator_failovers_total counter
vitess_operator_failovers_total{` + labels + `} 1
# HELP vitess_operator_switchovers_total Planned moves of the primary role (rolls, drains, requests).
# TYPE vitess_operator_switchovers_total counter
vitess_operator_switchovers_total{` + labels + `} 1
`
	require.NoError(t, testutil.GatherAndCompare(reg, strings.NewReader(want),
		"vitess_operator_primary_info", "vitess_operator_failovers_total", "vitess_operator_switchovers_total"))
	assert.Equal(t, 1, testutil.CollectAndCount(m.failoverDuration))
	assert.Equal(t, float64(1), testutil.ToFloat64(m.members.WithLabelValues(fakeKind, fakeNS, fakeName, "vt", "main", "-80", "failed")))

	m.forgetSet(fakeKind, fakeNS, fakeName)
	assert.Zero(t, testutil.CollectAndCount(m.members))
	assert.Zero(t, testutil.CollectAndCount(m.primary))
}
