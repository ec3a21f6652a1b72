package replication

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// Identified is a set that belongs to something larger, which its metrics
// name: a Vitess shard's cluster, keyspace and shard. A set that is not
// Identified is its own cluster.
type Identified interface {
	Identity() SetIdentity
}

// SetIdentity names what a set belongs to, for metrics users alert on per
// shard.
type SetIdentity struct {
	Cluster, Keyspace, Shard string
}

// setLabels are the labels of every per-set engine metric.
var setLabels = []string{"kind", "namespace", "set", "cluster", "keyspace", "shard"}

// Metrics are the engine's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	failovers        *prometheus.CounterVec
	switchovers      *prometheus.CounterVec
	seeds            *prometheus.CounterVec
	members          *prometheus.GaugeVec
	primary          *prometheus.GaugeVec
	failoverDuration *prometheus.HistogramVec

	mu sync.Mutex
	// primaries are the primary pods each set's primary_info names, by
	// kind/namespace/set, so that a moved primary's old series goes.
	primaries map[string][]string
}

// NewMetrics creates the engine metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		failovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vitess_operator", Name: "failovers_total",
			Help: "Promotions that replaced a lost primary.",
		}, setLabels),
		switchovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vitess_operator", Name: "switchovers_total",
			Help: "Planned moves of the primary role (rolls, drains, requests).",
		}, setLabels),
		seeds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vitess_operator", Name: "seeds_total",
			Help: "Sets seeded with a first primary.",
		}, setLabels),
		members: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "vitess_operator", Name: "members",
			Help: "Members of each set by state: primary, ready, unready, failed.",
		}, append(append([]string(nil), setLabels...), "state")),
		primary: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "vitess_operator", Name: "primary_info",
			Help: "1 for the pod each set reports as its primary; a set with none has no series.",
		}, append(append([]string(nil), setLabels...), "pod")),
		failoverDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "vitess_operator", Name: "failover_duration_seconds",
			Help:    "From a primary's last answer to its replacement's promotion.",
			Buckets: []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600},
		}, []string{"kind", "namespace"}),
		primaries: map[string][]string{},
	}
	for _, c := range []prometheus.Collector{m.failovers, m.switchovers, m.seeds, m.members, m.primary, m.failoverDuration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// labelsOf are the per-set label values of set.
func labelsOf(set Set) []string {
	obj := set.Object()
	id := SetIdentity{Cluster: obj.GetName()}
	if i, ok := set.(Identified); ok {
		id = i.Identity()
	}
	return []string{set.Kind(), obj.GetNamespace(), obj.GetName(), id.Cluster, id.Keyspace, id.Shard}
}

func (m *Metrics) failedOver(set Set, lostFor time.Duration) {
	if m == nil {
		return
	}
	m.failovers.WithLabelValues(labelsOf(set)...).Inc()
	if lostFor > 0 {
		m.failoverDuration.WithLabelValues(set.Kind(), set.Object().GetNamespace()).Observe(lostFor.Seconds())
	}
}

func (m *Metrics) switchedOver(set Set) {
	if m != nil {
		m.switchovers.WithLabelValues(labelsOf(set)...).Inc()
	}
}

func (m *Metrics) seeded(set Set) {
	if m != nil {
		m.seeds.WithLabelValues(labelsOf(set)...).Inc()
	}
}

// observeMembers sets the member gauges and the primary info of a set.
func (m *Metrics) observeMembers(set Set, ms common.Members) {
	if m == nil {
		return
	}
	l := labelsOf(set)
	for state, names := range map[string][]string{
		"primary": ms.Primary, "ready": ms.Ready, "unready": ms.Unready, "failed": ms.Failed,
	} {
		m.members.WithLabelValues(append(l, state)...).Set(float64(len(names)))
	}
	key := l[0] + "/" + l[1] + "/" + l[2]
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, old := range m.primaries[key] {
		m.primary.DeleteLabelValues(append(l, old)...)
	}
	for _, p := range ms.Primary {
		m.primary.WithLabelValues(append(l, p)...).Set(1)
	}
	m.primaries[key] = append([]string(nil), ms.Primary...)
}

// forgetSet drops the gauges of a deleted set.
func (m *Metrics) forgetSet(kind, ns, name string) {
	if m == nil {
		return
	}
	match := prometheus.Labels{"kind": kind, "namespace": ns, "set": name}
	m.members.DeletePartialMatch(match)
	m.primary.DeletePartialMatch(match)
	m.mu.Lock()
	delete(m.primaries, kind+"/"+ns+"/"+name)
	m.mu.Unlock()
}
