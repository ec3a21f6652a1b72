package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"
)

// check answers nil when a probe should pass.
type check func() error

// healthHandler serves /healthz (the process works) and /readyz (it is the
// leader and its caches have synced, so it acts on the cluster).
func healthHandler(healthy, ready check) http.Handler {
	mux := http.NewServeMux()
	probe := func(c check) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			if err := c(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok\n"))
		}
	}
	mux.Handle("/healthz", probe(healthy))
	mux.Handle("/readyz", probe(ready))
	return mux
}

// metricsHandler serves the Prometheus metrics of reg on /metrics and, with
// profiling, Go's pprof profiles under /debug/pprof/, for finding what a
// pass spends its time on (doc/benchmarks.md).
func metricsHandler(reg *prometheus.Registry, profiling bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	if profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// serve listens on addr now, so a bad address fails at start, and serves h
// until ctx ends.
func serve(ctx context.Context, addr string, h http.Handler, log *logrus.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.WithError(err).WithField("addr", addr).Error("server stopped")
		}
	}()
	log.WithField("addr", ln.Addr().String()).Info("serving")
	return nil
}
