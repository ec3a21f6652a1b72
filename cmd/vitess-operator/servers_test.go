package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHealthHandler proves that /healthz and /readyz each answer from their
// own check: 200 "ok" when it passes, 503 with its error text when it fails.
func TestHealthHandler(t *testing.T) {
	pass := func() error { return nil }
	notLeader := func() error { return errors.New("not the leader") }
	stalled := func() error { return errors.New("leader election stalled") }
	tests := []struct {
		name           string
		healthy, ready check
		path           string
		wantCode       int
		wantBody       string
	}{
		{"healthz passing", pass, notLeader, "/healthz", http.StatusOK, "ok\n"},
		{"healthz failing", stalled, pass, "/healthz", http.StatusServiceUnavailable, "leader election stalled\n"},
		{"readyz passing", stalled, pass, "/readyz", http.StatusOK, "ok\n"},
		{"readyz failing", pass, notLeader, "/readyz", http.StatusServiceUnavailable, "not the leader\n"},
		{"unknown path", pass, pass, "/metrics", http.StatusNotFound, "404 page not found\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(healthHandler(tc.healthy, tc.ready))
			defer srv.Close()
			resp, err := http.Get(srv.URL + tc.path)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.wantCode, resp.StatusCode)
			assert.Equal(t, tc.wantBody, string(body))
			assert.Contains(t, resp.Header.Get("Content-Type"), "text/plain")
		})
	}
}

// TestHealthHandlerChecksEachRequest proves that the checks run on every
// request rather than once, so readiness follows the leader's state.
func TestHealthHandlerChecksEachRequest(t *testing.T) {
	var ready error = errors.New("caches not synced")
	h := healthHandler(func() error { return nil }, func() error { return ready })
	probe := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		return rec
	}
	first := probe()
	assert.Equal(t, http.StatusServiceUnavailable, first.Code)
	assert.Equal(t, "caches not synced\n", first.Body.String())
	ready = nil
	second := probe()
	assert.Equal(t, http.StatusOK, second.Code)
	assert.Equal(t, "ok\n", second.Body.String())
}

// TestMetricsHandlerServesProfilesOnlyWhenAsked proves /metrics is always
// served and /debug/pprof/ only with --profiling.
func TestMetricsHandlerServesProfilesOnlyWhenAsked(t *testing.T) {
	for _, profiling := range []bool{false, true} {
		srv := httptest.NewServer(metricsHandler(prometheus.NewRegistry(), profiling))
		get := func(path string) int {
			resp, err := http.Get(srv.URL + path)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			return resp.StatusCode
		}
		assert.Equal(t, http.StatusOK, get("/metrics"))
		want := http.StatusNotFound
		if profiling {
			want = http.StatusOK
		}
		assert.Equal(t, want, get("/debug/pprof/"), "profiling=%v", profiling)
		assert.Equal(t, want, get("/debug/pprof/goroutine?debug=1"), "profiling=%v", profiling)
		srv.Close()
	}
}
