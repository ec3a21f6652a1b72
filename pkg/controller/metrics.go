package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the controller's Prometheus metrics. A nil *Metrics records nothing.
type Metrics struct {
	passDuration *prometheus.HistogramVec
	passErrors   *prometheus.CounterVec
	passAPI      *prometheus.HistogramVec
	passExecs    *prometheus.HistogramVec
	workers      *prometheus.GaugeVec
	confirmed    *prometheus.GaugeVec
	apiRequests  *prometheus.CounterVec
	execs        prometheus.Counter
}

// costBuckets are for the requests or execs of one pass: 0, 1, 2, 4 … 256.
var costBuckets = append([]float64{0}, prometheus.ExponentialBuckets(1, 2, 9)...)

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
		passAPI: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "vitess_operator",
			Name:      "reconcile_api_requests",
			Help:      "Requests to the API server made by one reconcile pass (execs apart), by kind of object.",
			Buckets:   costBuckets,
		}, []string{"kind"}),
		passExecs: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "vitess_operator",
			Name:      "reconcile_execs",
			Help:      "Commands run in pods by one reconcile pass, by kind of object.",
			Buckets:   costBuckets,
		}, []string{"kind"}),
		workers: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "vitess_operator",
			Name:      "objects_managed",
			Help:      "Objects with a running goroutine, by kind.",
		}, []string{"kind"}),
		confirmed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "vitess_operator",
			Name:      "objects_confirmed",
			Help:      "Managed objects that have had a pass without error since this process started, by kind.",
		}, []string{"kind"}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "vitess_operator",
			Name:      "api_requests_total",
			Help:      "Requests sent to the API server, by verb (exec for commands run in pods).",
		}, []string{"verb"}),
		execs: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "vitess_operator",
			Name:      "execs_total",
			Help:      "Commands run in pods.",
		}),
	}
	for _, c := range []prometheus.Collector{m.passDuration, m.passErrors, m.passAPI, m.passExecs,
		m.workers, m.confirmed, m.apiRequests, m.execs} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *Metrics) observePass(kind Kind, d time.Duration, cost *passCost, err error) {
	if m == nil {
		return
	}
	m.passDuration.WithLabelValues(string(kind)).Observe(d.Seconds())
	m.passAPI.WithLabelValues(string(kind)).Observe(float64(cost.api.Load()))
	m.passExecs.WithLabelValues(string(kind)).Observe(float64(cost.exec.Load()))
	if err != nil {
		m.passErrors.WithLabelValues(string(kind)).Inc()
	}
}

func (m *Metrics) setWorkers(kind Kind, managed, confirmed int) {
	if m == nil {
		return
	}
	m.workers.WithLabelValues(string(kind)).Set(float64(managed))
	m.confirmed.WithLabelValues(string(kind)).Set(float64(confirmed))
}
