package replication

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAPodHoldsOnlyWhenItsKubeletRunsThePreStopHook proves a pod with a
// preStop hook holds its termination when deleted with a grace period, and
// not when force-deleted (grace 0), for which the kubelet runs no hook.
func TestAPodHoldsOnlyWhenItsKubeletRunsThePreStopHook(t *testing.T) {
	hook := &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: []string{"hold"}}}}
	pod := func(grace *int64, lifecycle *corev1.Lifecycle) *corev1.Pod {
		p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}, {Name: "b", Lifecycle: lifecycle}}}}
		if grace != nil {
			p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &metav1.Time{}, grace
		}
		return p
	}
	for _, tc := range []struct {
		name  string
		pod   *corev1.Pod
		holds bool
	}{
		{"running, with the hook", pod(nil, hook), true},
		{"deleted with a grace period", pod(new(int64(120)), hook), true},
		{"force-deleted", pod(new(int64(0)), hook), false},
		{"no hook", pod(new(int64(120)), nil), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.holds, podView(tc.pod).Holds)
		})
	}
}
