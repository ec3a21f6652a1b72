package rss

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
)

// TestRefusal proves the operator refuses, naming the field, a set that
// would run as its own ServiceAccount, and sets stored before the schema
// held names and hook timeouts to what the operator can run.
func TestRefusal(t *testing.T) {
	d := func(v time.Duration) *metav1.Duration { return &metav1.Duration{Duration: v} }
	for _, tc := range []struct {
		name  string
		edit  func(*v1alpha1.ReplicatedStatefulSet)
		field string // "" when the set is accepted
	}{
		{"as written", func(*v1alpha1.ReplicatedStatefulSet) {}, ""},
		{"another account", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.ServiceAccountName = "app" }, ""},
		{"the operator's account", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.ServiceAccountName = "op-sa" },
			"spec.pod.serviceAccountName"},
		{"name with a dot", func(r *v1alpha1.ReplicatedStatefulSet) { r.Name = "db.main" }, "metadata.name"},
		{"name of 60 characters", func(r *v1alpha1.ReplicatedStatefulSet) { r.Name = strings.Repeat("a", 60) }, "metadata.name"},
		{"name of 59 characters", func(r *v1alpha1.ReplicatedStatefulSet) { r.Name = strings.Repeat("a", 59) }, ""},
		{"client Service named as the headless one", func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Service = &v1alpha1.ServicePolicy{Name: "db"}
		}, "spec.service.name"},
		{"hook timeout of 10ms", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.Commands.Status.Timeout = d(10 * time.Millisecond) },
			"spec.pod.commands.status.timeout"},
		{"hook timeout of 1000h", func(r *v1alpha1.ReplicatedStatefulSet) {
			r.Spec.Pod.Commands.Seed = &v1alpha1.Command{Command: []string{"x"}, Timeout: d(1000 * time.Hour)}
		}, "spec.pod.commands.seed.timeout"},
		{"hook timeout of 1h", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.Commands.Stop.Timeout = d(time.Hour) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRSS()
			tc.edit(r)
			got := refusal(r, "op-sa")
			if tc.field == "" {
				assert.Empty(t, got)
				return
			}
			assert.True(t, strings.HasPrefix(got, tc.field+": "), "%q does not start with the field %s", got, tc.field)
		})
	}
}

// TestRefusedSetCreatesNothing proves the adapter hands the refusal to the
// engine, which then makes no pod (the engine's TestRefusedSetTakesNoStep).
func TestRefusedSetCreatesNothing(t *testing.T) {
	r := testRSS()
	r.Spec.Pod.ServiceAccountName = "vitess-operator"
	s := newTestSet(t, r)
	assert.Contains(t, s.Refused(), "spec.pod.serviceAccountName: vitess-operator is the operator's own ServiceAccount")
}
