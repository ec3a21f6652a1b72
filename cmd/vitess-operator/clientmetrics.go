package main

import (
	"context"
	"net/url"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/client-go/tools/leaderelection"
	clientmetrics "k8s.io/client-go/tools/metrics"
)

// registerClientMetrics gives client-go's REST client and leader election
// metrics to reg, under the names Kubernetes' own components use, and the
// operator's build_info. client-go takes its metrics once per process.
func registerClientMetrics(reg prometheus.Registerer) error {
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "rest_client_request_duration_seconds",
		Help:    "Latency of the operator's requests to the Kubernetes API, by verb and host.",
		Buckets: []float64{0.005, 0.025, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60},
	}, []string{"verb", "host"})
	results := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "rest_client_requests_total",
		Help: "The operator's requests to the Kubernetes API, by status code, method and host.",
	}, []string{"code", "method", "host"})
	leader := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "leader_election_master_status",
		Help: "1 while this process leads the named lease, 0 otherwise.",
	}, []string{"name"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "vitess_operator", Name: "build_info",
		Help: "1, labelled with the operator's version, VCS revision and Go version.",
	}, []string{"version", "revision", "goversion"})
	for _, c := range []prometheus.Collector{latency, results, leader, build} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	version, revision := buildVersion()
	build.WithLabelValues(version, revision, runtime.Version()).Set(1)
	clientmetrics.Register(clientmetrics.RegisterOpts{
		RequestLatency: latencyMetric{latency},
		RequestResult:  resultMetric{results},
	})
	leaderelection.SetProvider(leaderProvider{leader})
	return nil
}

// buildVersion is the main module's version and the VCS revision it was
// built from, as the Go toolchain records them.
func buildVersion() (version, revision string) {
	version, revision = "unknown", "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version, revision
	}
	version = info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			revision = s.Value
		}
	}
	return version, revision
}

type latencyMetric struct{ h *prometheus.HistogramVec }

func (m latencyMetric) Observe(_ context.Context, verb string, u url.URL, d time.Duration) {
	m.h.WithLabelValues(verb, u.Host).Observe(d.Seconds())
}

type resultMetric struct{ c *prometheus.CounterVec }

func (m resultMetric) Increment(_ context.Context, code, method, host string) {
	m.c.WithLabelValues(code, method, host).Inc()
}

// leaderProvider gives leader election a gauge per lease.
type leaderProvider struct{ g *prometheus.GaugeVec }

func (p leaderProvider) NewLeaderMetric() leaderelection.LeaderMetric { return leaderGauge(p) }

type leaderGauge struct{ g *prometheus.GaugeVec }

func (l leaderGauge) On(name string) {
	l.g.WithLabelValues(name).Set(1)
}
func (l leaderGauge) Off(name string)               { l.g.WithLabelValues(name).Set(0) }
func (l leaderGauge) SlowpathExercised(name string) {}
