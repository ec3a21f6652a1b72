package replication

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// Metrics are the engine's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	failovers *prometheus.CounterVec
	seeds     *prometheus.CounterVec
	members   *prometheus.GaugeVec
}

// NewMetrics creates the engine metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		failovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vitess_operator", Name: "failovers_total",
			Help: "Promotions that replaced a lost primary, by kind of set.",
		}, []string{"kind"}),
		seeds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vitess_operator", Name: "seeds_total",
			Help: "Sets seeded with a first primary, by kind of set.",
		}, []string{"kind"}),
		members: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "vitess_operator", Name: "members",
			Help: "Members of each set by state: primary, ready, unready, failed.",
		}, []string{"kind", "namespace", "set", "state"}),
	}
	for _, c := range []prometheus.Collector{m.failovers, m.seeds, m.members} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) failedOver(kind string) {
	if m != nil {
		m.failovers.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) seeded(kind string) {
	if m != nil {
		m.seeds.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) observeMembers(kind, ns, name string, ms common.Members) {
	if m == nil {
		return
	}
	for state, names := range map[string][]string{
		"primary": ms.Primary, "ready": ms.Ready, "unready": ms.Unready, "failed": ms.Failed,
	} {
		m.members.WithLabelValues(kind, ns, name, state).Set(float64(len(names)))
	}
}

// forgetSet drops the member gauges of a deleted set.
func (m *Metrics) forgetSet(kind, ns, name string) {
	if m == nil {
		return
	}
	for _, state := range []string{"primary", "ready", "unready", "failed"} {
		m.members.DeleteLabelValues(kind, ns, name, state)
	}
}
