package vitess

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// A cell's vtgates can be autoscaled: the cell reconciler makes a
// HorizontalPodAutoscaler whose target is the VitessCell itself, so that the
// autoscaler writes the cell's spec.vtgate.replicas through the cell's scale
// subresource, and the cell renders its vtgate Deployment from it as from
// any count. While a cell has an autoscaler, the count is the autoscaler's:
// the cluster renders it only for a new cell and leaves it alone after.

// defaultVtgateCPUUtilization is the average CPU utilization, in percent of
// the vtgates' requests, an autoscaler given no metrics aims at.
const defaultVtgateCPUUtilization = 80

// vtgateReplicasPath is where a VitessCell's vtgate count lives below its
// spec, as the scale subresource's specpath names it.
var vtgateReplicasPath = []string{"vtgate", "replicas"}

// autoscaled reports whether a cell's vtgates have an autoscaler.
func autoscaled(c v1alpha1.CellSpec) bool {
	return c.Vtgate != nil && c.Vtgate.Autoscaler != nil
}

// withAutoscaledReplicas returns the cell with its vtgate count within its
// autoscaler's bounds: the count a new cell starts with, before the
// autoscaler takes over. A cell without an autoscaler is returned as it is.
func withAutoscaledReplicas(c v1alpha1.CellSpec) v1alpha1.CellSpec {
	if !autoscaled(c) {
		return c
	}
	a := c.Vtgate.Autoscaler
	c.Vtgate.Replicas = max(minReplicas(a), min(c.Vtgate.Replicas, a.MaxReplicas))
	return c
}

// minReplicas is an autoscaler's minReplicas, 1 when unset (the schema's
// default, for a spec that was never defaulted).
func minReplicas(a *v1alpha1.VtgateAutoscaler) int32 {
	if a.MinReplicas < 1 {
		return 1
	}
	return a.MinReplicas
}

// cellHashSpec is the part of a cell's spec the cluster's writes are
// decided on: all of it, but for an autoscaled cell's vtgate count, which
// the autoscaler changes without the cluster. A cell without an autoscaler
// hashes exactly as before autoscalers existed, so that nothing is written.
func cellHashSpec(spec v1alpha1.VitessCellSpec) v1alpha1.VitessCellSpec {
	if !autoscaled(spec.CellSpec) {
		return spec
	}
	out := *spec.DeepCopy()
	out.Vtgate.Replicas = 0
	return out
}

// mergeCellSpec puts the cluster's spec of a cell (want) onto a copy of the
// stored cell (u), keeping the stored vtgate count while the cell was and
// stays autoscaled: the autoscaler set it. A cell that gains an autoscaler
// takes the cluster's count, clamped to the new bounds.
func mergeCellSpec(u, want *v1alpha1.VitessCell) {
	keep := autoscaled(u.Spec.CellSpec) && autoscaled(want.Spec.CellSpec)
	replicas := int32(0)
	if keep {
		replicas = u.Spec.Vtgate.Replicas
	}
	u.Spec = *want.Spec.DeepCopy()
	if keep {
		u.Spec.Vtgate.Replicas = replicas
	}
}

// cellSpecEditor names who else edited a stored cell's spec (have), given
// the cluster's spec of it (want). While the cell is autoscaled, before or
// after this write, a change of its vtgate count alone is the autoscaler's
// (or a user's kubectl scale, which the autoscaler then corrects) and is no
// edit to restore. Nor is a scale that left the count at the cluster's: an
// autoscaler removed while its count was the cluster's leaves its manager
// co-owning the field, with nothing to restore.
func cellSpecEditor(have, want *v1alpha1.VitessCell) string {
	if autoscaled(have.Spec.CellSpec) || autoscaled(want.Spec.CellSpec) || sameVtgateReplicas(have, want) {
		return k8s.SpecEditorIgnoring(have, vtgateReplicasPath...)
	}
	return k8s.SpecEditor(have)
}

// sameVtgateReplicas says whether both cells run vtgates and as many.
func sameVtgateReplicas(have, want *v1alpha1.VitessCell) bool {
	return have.Spec.Vtgate != nil && want.Spec.Vtgate != nil && have.Spec.Vtgate.Replicas == want.Spec.Vtgate.Replicas
}

// vtgateSelector is the label selector of a cell's vtgate pods in string
// form, for the cell's scale subresource; "" for a cell without vtgates.
func vtgateSelector(c *v1alpha1.VitessCell) string {
	if c.Spec.Vtgate == nil {
		return ""
	}
	return labels.SelectorFromSet(componentLabels(c.Spec.Cluster, c.Spec.Name, componentVtgate)).String()
}

// RenderVtgateAutoscaler renders the HorizontalPodAutoscaler of a cell's
// vtgates, named as their Deployment, whose target is the cell; nil when
// the cell asks for none.
func RenderVtgateAutoscaler(c *v1alpha1.VitessCell, owner metav1.OwnerReference) *autoscalingv2.HorizontalPodAutoscaler {
	if !autoscaled(c.Spec.CellSpec) {
		return nil
	}
	a := c.Spec.Vtgate.Autoscaler
	minimum := minReplicas(a)
	metrics := make([]autoscalingv2.MetricSpec, 0, len(a.Metrics))
	for _, m := range a.Metrics {
		metrics = append(metrics, *m.DeepCopy())
	}
	if len(metrics) == 0 {
		metrics = []autoscalingv2.MetricSpec{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricSource{Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{
				Type: autoscalingv2.UtilizationMetricType, AverageUtilization: new(int32(defaultVtgateCPUUtilization))}},
		}}
	}
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: VtgateName(c.Spec.Cluster, c.Spec.Name), Namespace: c.Namespace,
			Labels:          componentLabels(c.Spec.Cluster, c.Spec.Name, componentVtgate),
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{
				APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: CellKind, Name: c.Name},
			MinReplicas: &minimum,
			MaxReplicas: a.MaxReplicas,
			Metrics:     metrics,
			Behavior:    a.Behavior.DeepCopy(),
		},
	}
}
