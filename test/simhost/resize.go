package main

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// expand plays the volume expansion of a bound claim whose request grew
// past its volume, as a CSI driver's external resizer and the kubelet do
// for a storage class that allows expansion (the API server has refused
// the request for any other): the volume's capacity is raised at once;
// the filesystem is resized online while a running pod mounts the claim,
// which the claim's capacity then shows, and otherwise the claim carries
// FileSystemResizePending until a pod mounts it. The simulated volume is a
// directory, so there is nothing to resize on disk.
func (h *host) expand(ctx context.Context, pvc *corev1.PersistentVolumeClaim) error {
	pv, err := h.volumes.Get(pvc.Spec.VolumeName)
	if err != nil || pv.Labels[managedLabel] != "true" {
		return nil // not one of this host's volumes
	}
	want := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if have := pv.Spec.Capacity[corev1.ResourceStorage]; want.Cmp(have) > 0 {
		next := pv.DeepCopy()
		next.Spec.Capacity[corev1.ResourceStorage] = want
		if _, err := h.kube.CoreV1().PersistentVolumes().Update(ctx, next, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("expanding volume %s of claim %s/%s: %w", pv.Name, pvc.Namespace, pvc.Name, err)
		}
		h.log.WithField("claim", pvc.Namespace+"/"+pvc.Name).Infof("volume expanded to %s", want.String())
	}
	capacity := pvc.Status.Capacity[corev1.ResourceStorage]
	if capacity.IsZero() || want.Cmp(capacity) <= 0 {
		// Not reported yet: the volume controller sets a claim's capacity
		// when it binds it; or nothing to resize.
		return nil
	}
	next := pvc.DeepCopy()
	mounted, err := h.mountedByRunningPod(pvc)
	if err != nil {
		return err
	}
	if mounted {
		next.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: want}
		next.Status.Conditions = withoutFSResizePending(next.Status.Conditions)
	} else if !hasFSResizePending(pvc.Status.Conditions) {
		next.Status.Conditions = append(next.Status.Conditions, corev1.PersistentVolumeClaimCondition{
			Type: corev1.PersistentVolumeClaimFileSystemResizePending, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.Now(), Message: "Waiting for user to (re-)start a pod to finish file system resize of volume on node."})
	} else {
		return nil
	}
	if _, err := h.kube.CoreV1().PersistentVolumeClaims(pvc.Namespace).UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("reporting the expansion of claim %s/%s: %w", pvc.Namespace, pvc.Name, err)
	}
	return nil
}

// mountedByRunningPod reports whether a running pod that is not being
// deleted mounts the claim.
func (h *host) mountedByRunningPod(pvc *corev1.PersistentVolumeClaim) (bool, error) {
	pods, err := h.pods.Pods(pvc.Namespace).List(labels.Everything())
	if err != nil {
		return false, err
	}
	for _, p := range pods {
		if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil {
			continue
		}
		for _, v := range p.Spec.Volumes {
			if c := v.PersistentVolumeClaim; c != nil && c.ClaimName == pvc.Name {
				return true, nil
			}
		}
	}
	return false, nil
}

func hasFSResizePending(conds []corev1.PersistentVolumeClaimCondition) bool {
	for _, c := range conds {
		if c.Type == corev1.PersistentVolumeClaimFileSystemResizePending {
			return true
		}
	}
	return false
}

func withoutFSResizePending(conds []corev1.PersistentVolumeClaimCondition) []corev1.PersistentVolumeClaimCondition {
	var out []corev1.PersistentVolumeClaimCondition
	for _, c := range conds {
		if c.Type != corev1.PersistentVolumeClaimFileSystemResizePending {
			out = append(out, c)
		}
	}
	return out
}
