package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// grownClaim is a bound claim asking for 2Gi whose volume and status say
// capacity (zero: not reported by the volume controller yet).
func grownClaim(capacity string) (*corev1.PersistentVolumeClaim, *corev1.PersistentVolume) {
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "data-p", UID: "c1"},
		Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "sim-c1", Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "sim-c1", Labels: map[string]string{managedLabel: "true"}},
		Spec: corev1.PersistentVolumeSpec{Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}
	if capacity != "" {
		pvc.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(capacity)}
	}
	return pvc, pv
}

func mounting(claim string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "p1"},
		Spec: corev1.PodSpec{Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}},
		Status: corev1.PodStatus{Phase: phase}}
}

// TestExpandPlaysTheResizerAndTheKubelet proves a grown claim's volume is
// expanded, and its capacity reported at once while a running pod mounts
// it, else FileSystemResizePending; and that a claim the volume controller
// has not reported yet is left alone.
func TestExpandPlaysTheResizerAndTheKubelet(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name         string
		capacity     string
		phase        corev1.PodPhase
		wantCapacity string
		wantPending  bool
	}{
		{"mounted by a running pod: resized online", "1Gi", corev1.PodRunning, "2Gi", false},
		{"not mounted: waits for a pod", "1Gi", corev1.PodPending, "1Gi", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pvc, pv := grownClaim(tc.capacity)
			h, kube := newTestHost(t, pvc, pv, mounting(pvc.Name, tc.phase))
			require.NoError(t, h.expand(ctx, pvc))
			gotPV, err := kube.CoreV1().PersistentVolumes().Get(ctx, pv.Name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, "2Gi", gotPV.Spec.Capacity.Storage().String(), "the volume is expanded")
			got, err := kube.CoreV1().PersistentVolumeClaims("ns").Get(ctx, pvc.Name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.wantCapacity, got.Status.Capacity.Storage().String())
			assert.Equal(t, tc.wantPending, hasFSResizePending(got.Status.Conditions))
		})
	}
	t.Run("not reported by the volume controller yet: nothing to report", func(t *testing.T) {
		pvc, pv := grownClaim("")
		h, kube := newTestHost(t, pvc, pv)
		require.NoError(t, h.expand(ctx, pvc))
		got, err := kube.CoreV1().PersistentVolumeClaims("ns").Get(ctx, pvc.Name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Empty(t, got.Status.Conditions)
		assert.True(t, got.Status.Capacity.Storage().IsZero())
	})
}
