package replication

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// podView is what a decision needs of a pod.
func podView(p *corev1.Pod) *PodView {
	return &PodView{
		UID:             p.UID,
		Phase:           p.Status.Phase,
		Deleting:        p.DeletionTimestamp != nil,
		DeletionAsked:   deletionAsked(p),
		Ready:           podReady(p),
		Evicted:         p.Status.Phase == corev1.PodFailed && p.Status.Reason == "Evicted",
		Role:            p.Labels[LabelRole],
		Revision:        p.Labels[LabelRevision],
		Following:       p.Annotations[AnnotationFollowing],
		StartedAt:       containersStarted(p),
		NodeUnreachable: markedNotReadyByNodeController(p),
		Waiting:         waitingReason(p),
		Holds:           hasPreStop(p) && !deletedWithoutGrace(p),
	}
}

// hasPreStop reports whether a container of the pod has a preStop hook,
// which its kubelet runs before stopping the container.
func hasPreStop(p *corev1.Pod) bool {
	for _, c := range p.Spec.Containers {
		if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
			return true
		}
	}
	return false
}

// deletedWithoutGrace reports a pod deleted with a grace period of 0 (a
// force deletion): its kubelet runs no preStop hook, only for a positive
// grace period (kuberuntime_container.go killContainer), and stops its
// containers at once, so the pod holds nothing and a switchover off it
// would only fail before the failover that must follow.
func deletedWithoutGrace(p *corev1.Pod) bool {
	return p.DeletionTimestamp != nil && p.DeletionGracePeriodSeconds != nil && *p.DeletionGracePeriodSeconds == 0
}

// deletionAsked is when the pod's deletion was asked for: its deletion
// timestamp is that moment plus the grace period.
func deletionAsked(p *corev1.Pod) time.Time {
	if p.DeletionTimestamp == nil {
		return time.Time{}
	}
	t := p.DeletionTimestamp.Time
	if g := p.DeletionGracePeriodSeconds; g != nil {
		t = t.Add(-time.Duration(*g) * time.Second)
	}
	return t
}

// podReady reports the pod's Ready condition.
func podReady(p *corev1.Pod) bool { return readyCondition(p) == corev1.ConditionTrue }

// readyCondition is the status of the pod's Ready condition, "" without one.
func readyCondition(p *corev1.Pod) corev1.ConditionStatus {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status
		}
	}
	return ""
}

// containersStarted is when the last of the pod's containers started
// running; zero while any does not run.
func containersStarted(p *corev1.Pod) time.Time {
	var latest time.Time
	if len(p.Status.ContainerStatuses) == 0 {
		return latest
	}
	for _, c := range p.Status.ContainerStatuses {
		if c.State.Running == nil {
			return time.Time{}
		}
		if t := c.State.Running.StartedAt.Time; t.After(latest) {
			latest = t
		}
	}
	return latest
}

// markedNotReadyByNodeController reports whether the pod's Ready condition
// is False while every container reports ready and running. The kubelet
// derives Ready from its containers and never reports that; the node
// lifecycle controller does, when it marks the pods of a node that stopped
// reporting not ready (it flips the condition and nothing else). This is
// how an operator that may not read Nodes sees that a pod's node is gone.
func markedNotReadyByNodeController(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) == 0 || len(p.Spec.ReadinessGates) > 0 {
		return false
	}
	for _, c := range p.Status.ContainerStatuses {
		if !c.Ready || c.State.Running == nil {
			return false
		}
	}
	return readyCondition(p) == corev1.ConditionFalse
}

// waitingReason says why a pod that does not run yet waits: unschedulable,
// or a container waiting to start (an image pull, say).
func waitingReason(p *corev1.Pod) string {
	if p.Status.Phase == corev1.PodRunning {
		return ""
	}
	var why []string
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			why = append(why, c.Reason+": "+c.Message)
		}
	}
	for _, c := range p.Status.ContainerStatuses {
		if w := c.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" {
			why = append(why, c.Name+" "+w.Reason)
		}
	}
	return strings.Join(why, "; ")
}
