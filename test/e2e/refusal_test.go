package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// refusedFor holds once the set reports Degraded, refused, with a message
// that names field.
func refusedFor(field string) func(*v1alpha1.ReplicatedStatefulSet) bool {
	return func(r *v1alpha1.ReplicatedStatefulSet) bool {
		c := findCondition(r.Status.Conditions, common.ConditionDegraded)
		return r.Status.Phase == common.PhaseDegraded && c != nil && c.Status == metav1.ConditionTrue &&
			c.Reason == "Refused" && strings.Contains(c.Message, field)
	}
}

func findCondition(conds []metav1.Condition, typ string) *metav1.Condition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// awaitEvent watches the Events of object name in ns until one with reason
// arrives, and returns it.
func awaitEvent(ctx context.Context, t testing.TB, ns, name, reason string) corev1.Event {
	t.Helper()
	events := cluster.Kube.CoreV1().Events(ns)
	selector := fields.OneTermEqualSelector("involvedObject.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return events.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return events.Watch(ctx, o)
		},
	}
	var got corev1.Event
	match := func(e *corev1.Event) bool {
		if e.Reason == reason {
			got = *e
			return true
		}
		return false
	}
	inStore := func(store cache.Store) (bool, error) {
		for _, o := range store.List() {
			if match(o.(*corev1.Event)) {
				return true, nil
			}
		}
		return false, nil
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &corev1.Event{}, inStore, func(ev watch.Event) (bool, error) {
		e, ok := ev.Object.(*corev1.Event)
		return ok && ev.Type != watch.Deleted && match(e), nil
	})
	require.NoError(t, err, "no %s event on %s", reason, name)
	return got
}

// TestRSSAsTheOperatorsServiceAccountIsRefused proves that a set whose pods
// would run as the operator's own ServiceAccount is refused at run time (the
// schema refuses the default name, vitess-operator; the operator knows the
// account it really runs as): the set reports Degraded naming
// spec.pod.serviceAccountName, an event says so, and no pod is created.
func TestRSSAsTheOperatorsServiceAccountIsRefused(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	ns := cluster.NewNamespace(t)
	cluster.StartOperator(t, ns, "op", append(framework.FastLeaderElection(), "--service-account=op-account")...)
	rss := exampleRSS(t)
	rss.Spec.Pod.ServiceAccountName = "op-account"
	createRSS(ctx, t, ns, rss)

	waitRSS(ctx, t, ns, "example", "refused", refusedFor("spec.pod.serviceAccountName"))
	e := awaitEvent(ctx, t, ns, "example", "Refused")
	assert.Equal(t, corev1.EventTypeWarning, e.Type)
	assert.Contains(t, e.Message, "spec.pod.serviceAccountName: op-account is the operator's own ServiceAccount")
	assert.Empty(t, memberPods(ctx, t, ns, "example"), "a refused set has no pod")

	// Another account is run as asked.
	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Pod.ServiceAccountName = "" })
	waitRSS(ctx, t, ns, "example", "three primaries", settled(3, 3))
}

// TestRSSServiceNameTakenIsRefusedUntilFreed proves that a set whose client
// Service name is taken by a Service it does not own is reported Degraded
// with an event before any pod is made, without retrying in a loop, and
// runs once the name is free.
func TestRSSServiceNameTakenIsRefusedUntilFreed(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	ns := cluster.NewNamespace(t)
	foreign := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "dummy-svc"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80}}}}
	_, err := cluster.Kube.CoreV1().Services(ns).Create(ctx, foreign, metav1.CreateOptions{})
	require.NoError(t, err)
	cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	rss := exampleRSS(t)
	rss.Spec.ReconcileInterval = &metav1.Duration{Duration: 2 * time.Second}
	createRSS(ctx, t, ns, rss)

	got := waitRSS(ctx, t, ns, "example", "refused", refusedFor("Service dummy-svc exists and is not owned by ReplicatedStatefulSet example"))
	assert.Contains(t, findCondition(got.Status.Conditions, common.ConditionDegraded).Message, "spec.service.name")
	awaitEvent(ctx, t, ns, "example", "Refused")
	assert.Empty(t, memberPods(ctx, t, ns, "example"), "a refused set has no pod")

	require.NoError(t, cluster.Kube.CoreV1().Services(ns).Delete(ctx, "dummy-svc", metav1.DeleteOptions{}))
	waitRSS(ctx, t, ns, "example", "three primaries", settled(3, 3))
}
