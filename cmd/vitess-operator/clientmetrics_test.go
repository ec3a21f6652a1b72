package main

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClientMetricsRegister proves build_info, the REST client and the
// leader election metrics reach the operator's registry, and the leader
// gauge follows On and Off.
func TestClientMetricsRegister(t *testing.T) {
	reg := prometheus.NewRegistry()
	require.NoError(t, registerClientMetrics(reg))
	assert.Equal(t, 1, testutil.CollectAndCount(reg, "vitess_operator_build_info"))
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "g"}, []string{"name"})
	l := leaderProvider{g}.NewLeaderMetric()
	l.On("vitess-operator")
	assert.Equal(t, float64(1), testutil.ToFloat64(g.WithLabelValues("vitess-operator")))
	l.Off("vitess-operator")
	assert.Equal(t, float64(0), testutil.ToFloat64(g.WithLabelValues("vitess-operator")))
}
