package framework

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
)

// FailReadiness reports container of pod not ready, as a kubelet does once
// the container's readiness probe has failed failureThreshold times: the
// container is not ready, and the pod's Ready and ContainersReady
// conditions are False with reason ContainersNotReady. kwok runs no probes;
// a test that breaks what a probe checks (the simulator's crash marker
// stops a tablet's mysqld) plays the kubelet's part with this. Nothing is
// done when the pod is gone or another pod (not uid) has its name. The
// local cluster's kwok stages leave such a pod NotReady (pod-reconnect
// passes over pods with a container not ready).
func (c *Cluster) FailReadiness(ctx context.Context, namespace, name string, uid types.UID, container string) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := c.Kube.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if pod.UID != uid || pod.DeletionTimestamp != nil || !notReady(pod, container) {
			return nil
		}
		_, err = c.Kube.CoreV1().Pods(namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reporting container %s of pod %s/%s not ready: %w", container, namespace, name, err)
	}
	return nil
}

// notReady marks container of pod not ready in its status, and reports
// whether the pod has that container.
func notReady(pod *corev1.Pod, container string) bool {
	found := false
	for i := range pod.Status.ContainerStatuses {
		if cs := &pod.Status.ContainerStatuses[i]; cs.Name == container {
			cs.Ready, found = false, true
		}
	}
	if !found {
		return false
	}
	now := metav1.Now()
	for i := range pod.Status.Conditions {
		switch c := &pod.Status.Conditions[i]; c.Type {
		case corev1.PodReady, corev1.ContainersReady:
			if c.Status != corev1.ConditionFalse {
				c.LastTransitionTime = now
			}
			c.Status, c.Reason, c.Message = corev1.ConditionFalse, "ContainersNotReady", "containers with unready status: ["+container+"]"
		}
	}
	return true
}
