package rss

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// FuzzRefusal holds the operator's own check of a set (refusal, which
// mirrors the schema's rules) to its purpose: whatever the set's name,
// Service name, account and hook timeout, a set the operator runs never
// runs as the operator's account, its Services and member pods (up to the
// largest ordinal) have names and labels the API server takes, and its
// hooks time out within the bounds.
func FuzzRefusal(f *testing.F) {
	f.Add("db", "", "", int64(0))
	f.Add(strings.Repeat("a", 59), "db-svc", "app", int64(time.Hour))
	f.Add("db.main", "db", "vitess-operator", int64(10*time.Millisecond))
	f.Add("1db", "Svc", "op", int64(1000*time.Hour))
	f.Fuzz(func(t *testing.T, name, svc, account string, timeout int64) {
		r := testRSS()
		r.Name = name
		if svc != "" {
			r.Spec.Service = &v1alpha1.ServicePolicy{Name: svc}
		}
		r.Spec.Pod.ServiceAccountName = account
		if timeout != 0 {
			r.Spec.Pod.Commands.Status.Timeout = &metav1.Duration{Duration: time.Duration(timeout)}
		}
		if refusal(r, "op") != "" {
			return
		}
		if account == "op" {
			t.Fatalf("a set running as the operator's account %q is run", account)
		}
		if d := time.Duration(timeout); timeout != 0 && (d < dataplane.MinHookTimeout || d > dataplane.MaxHookTimeout) {
			t.Fatalf("a hook timeout of %v is accepted", d)
		}
		for _, s := range renderServices(r) {
			ok(t, "Service", s.Name, validation.IsDNS1035Label(s.Name))
			labels(t, s.Labels)
		}
		for _, ordinal := range []int{0, 999} {
			p := renderPod(r, ordinal, "rev")
			ok(t, "pod", p.Name, validation.IsDNS1123Label(p.Name))
			labels(t, p.Labels)
			for _, c := range renderClaims(r, ordinal) {
				ok(t, "claim", c.Name, validation.IsDNS1123Subdomain(c.Name))
			}
		}
	})
}

func ok(t *testing.T, what, name string, errs []string) {
	t.Helper()
	if len(errs) > 0 {
		t.Fatalf("%s %q of an accepted set is refused: %s", what, name, strings.Join(errs, "; "))
	}
}

func labels(t *testing.T, l map[string]string) {
	t.Helper()
	for k, v := range l {
		ok(t, "label key", k, validation.IsQualifiedName(k))
		ok(t, "label "+k, v, validation.IsValidLabelValue(v))
	}
}
