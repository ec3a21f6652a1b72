package controller

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
)

// passCost counts what one reconcile pass asked of the API server and of the
// data plane. The worker puts one into each pass's context; the counting
// transport and executor add to it, so a pass's cost is known without the
// reconcilers counting anything themselves.
type passCost struct {
	api  atomic.Int64
	exec atomic.Int64
}

type passCostKey struct{}

func withPassCost(ctx context.Context) (context.Context, *passCost) {
	c := &passCost{}
	return context.WithValue(ctx, passCostKey{}, c), c
}

func passCostFrom(ctx context.Context) *passCost {
	c, _ := ctx.Value(passCostKey{}).(*passCost)
	return c
}

// CountExec records one command run in a pod on behalf of the pass ctx
// belongs to, if any, and in the operator's exec total.
func (m *Metrics) CountExec(ctx context.Context) {
	if c := passCostFrom(ctx); c != nil {
		c.exec.Add(1)
	}
	if m != nil {
		m.execs.Inc()
	}
}

// CountRequests wraps rt so that every request to the API server is counted
// by verb, and, when made by a pass, in that pass's cost. It is meant for
// rest.Config.Wrap.
func (m *Metrics) CountRequests(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		verb := requestVerb(req)
		if c := passCostFrom(req.Context()); c != nil && verb != "exec" {
			c.api.Add(1)
		}
		if m != nil {
			m.apiRequests.WithLabelValues(verb).Inc()
		}
		return rt.RoundTrip(req)
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// requestVerb names a request the way the API server's audit log does
// (get, list, watch, create, update, patch, delete), with exec apart. A
// path is /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUBRESOURCE]] or the same
// under /apis/GROUP/VERSION.
func requestVerb(req *http.Request) string {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return strings.ToLower(req.Method)
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	if len(parts) == 3 && (parts[2] == "exec" || parts[2] == "attach") {
		return "exec"
	}
	named := len(parts) >= 2
	switch req.Method {
	case http.MethodGet:
		switch {
		case req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1":
			return "watch"
		case named:
			return "get"
		default:
			return "list"
		}
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	default:
		return strings.ToLower(req.Method)
	}
}
