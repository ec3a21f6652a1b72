package controller

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestVerb proves that requests are named as the API server's audit
// log names them.
func TestRequestVerb(t *testing.T) {
	for _, tc := range []struct{ method, url, want string }{
		{"GET", "/api/v1/namespaces/ns/pods", "list"},
		{"GET", "/api/v1/namespaces/ns/pods?watch=true&resourceVersion=5", "watch"},
		{"GET", "/api/v1/namespaces/ns/pods/p", "get"},
		{"GET", "/api/v1/namespaces/ns", "get"},
		{"GET", "/api/v1/pods", "list"},
		{"GET", "/apis/vitess.io/v1alpha1/namespaces/ns/vitessshards/s", "get"},
		{"PUT", "/apis/vitess.io/v1alpha1/namespaces/ns/vitessshards/s/status", "update"},
		{"POST", "/api/v1/namespaces/ns/persistentvolumeclaims", "create"},
		{"PATCH", "/api/v1/namespaces/ns/pods/p", "patch"},
		{"DELETE", "/api/v1/namespaces/ns/pods/p", "delete"},
		{"DELETE", "/api/v1/namespaces/ns/pods", "deletecollection"},
		{"POST", "/api/v1/namespaces/ns/pods/p/exec?command=ls", "exec"},
		{"GET", "/api/v1/namespaces/ns/pods/p/exec?command=ls", "exec"},
		{"GET", "/version", "get"},
	} {
		req := httptest.NewRequest(tc.method, tc.url, nil)
		assert.Equal(t, tc.want, requestVerb(req), "%s %s", tc.method, tc.url)
	}
}

// TestPassCost proves that the requests and execs made with a pass's
// context are charged to that pass, and others only to the totals.
func TestPassCost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	m, _ := newTestMetrics(t)
	client := &http.Client{Transport: m.CountRequests(http.DefaultTransport)}
	get := func(ctx context.Context, path string) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		require.NoError(t, err)
		resp, err := client.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}

	ctx, cost := withPassCost(context.Background())
	get(ctx, "/api/v1/namespaces/ns/pods/a")
	get(ctx, "/api/v1/namespaces/ns/pods/a/exec")
	m.CountExec(ctx)
	get(context.Background(), "/api/v1/namespaces/ns/pods")
	m.CountExec(context.Background())

	assert.Equal(t, int64(1), cost.api.Load(), "the exec request is an exec, not an API request")
	assert.Equal(t, int64(1), cost.exec.Load())
	assert.Equal(t, 2.0, testutil.ToFloat64(m.execs))
	for _, verb := range []string{"get", "list", "exec"} {
		assert.Equal(t, 1.0, testutil.ToFloat64(m.apiRequests.WithLabelValues(verb)), verb)
	}
}

// TestRegistryConfirmedGauge proves that an object counts as confirmed
// from its first pass without error, not before, and stops counting when
// its goroutine goes.
func TestRegistryConfirmedGauge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m, reg := newTestMetrics(t)
		fail := Key{Kind: KindVitessCell, Namespace: "ns", Name: "failing"}
		r := NewRegistry(context.Background(), map[Kind]Reconciler{KindVitessCell: ReconcilerFunc(
			func(_ context.Context, key Key) (Result, error) {
				if key == fail {
					return Result{}, errors.New("no")
				}
				return Result{}, nil
			})}, time.Hour, closedChan(), m, quietLogger())
		defer r.Shutdown()
		confirmed := func() float64 { return metricValue(t, reg, "vitess_operator_objects_confirmed", KindVitessCell) }

		r.Ensure(cellKey)
		r.Ensure(fail)
		synctest.Wait()
		assert.Equal(t, 1.0, confirmed(), "only the object whose pass succeeded")
		r.Ensure(cellKey)
		synctest.Wait()
		assert.Equal(t, 1.0, confirmed(), "a second pass counts nothing more")
		r.Remove(cellKey)
		assert.Zero(t, confirmed())
		r.Remove(fail)
	})
}
