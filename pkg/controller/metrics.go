package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the controller's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	passDuration *prometheus.HistogramVec
	passErrors   *prometheus.CounterVec
	workers      *prometheus.GaugeVec
}

// NewMetrics creates the controller metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		passDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "vitess_operator",
			Name:      "reconcile_duration_seconds",
			Help:      "Duration of one reconcile pass, by kind of object.",
			Buckets:   prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"kind"}),
		passErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vitess_operator",
			Name:      "reconcile_errors_total",
			Help:      "Reconcile passes that returned an error, by kind of object.",
		}, []string{"kind"}),
		workers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "vitess_operator",
			Name:      "objects_managed",
			Help:      "Objects with a running goroutine, by kind.",
		}, []string{"kind"}),
	}
	for _, c := range []prometheus.Collector{m.passDuration, m.passErrors, m.workers} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) observePass(kind Kind, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.passDuration.WithLabelValues(string(kind)).Observe(d.Seconds())
	if err != nil {
		m.passErrors.WithLabelValues(string(kind)).Inc()
	}
}

func (m *Metrics) setWorkers(kind Kind, n int) {
	if m == nil {
		return
	}
	m.workers.WithLabelValues(string(kind)).Set(float64(n))
}
