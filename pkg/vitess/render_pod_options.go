package vitess

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// LabelZone is the well-known node label of a node's zone, which a cell
// bound to a zone selects.
const LabelZone = corev1.LabelTopologyZone

// applyPodOptions lays a component's pod options and its cell's zone over
// the pod the operator rendered. Every field the options leave unset keeps
// the operator's choice; labels the operator sets are never replaced, since
// it selects its pods by them.
func applyPodOptions(meta *metav1.ObjectMeta, pod *corev1.PodSpec, o v1alpha1.PodOptions, zone string) {
	if o.Affinity != nil {
		pod.Affinity = o.Affinity.DeepCopy()
	}
	for _, t := range o.Tolerations {
		pod.Tolerations = append(pod.Tolerations, *t.DeepCopy())
	}
	if len(o.NodeSelector) > 0 || zone != "" {
		if pod.NodeSelector == nil {
			pod.NodeSelector = map[string]string{}
		}
		for k, v := range o.NodeSelector {
			pod.NodeSelector[k] = v
		}
		if zone != "" {
			pod.NodeSelector[LabelZone] = zone
		}
	}
	for _, c := range o.TopologySpreadConstraints {
		pod.TopologySpreadConstraints = append(pod.TopologySpreadConstraints, *c.DeepCopy())
	}
	if o.PriorityClassName != "" {
		pod.PriorityClassName = o.PriorityClassName
	}
	pod.ImagePullSecrets = append(pod.ImagePullSecrets, o.ImagePullSecrets...)
	if o.SecurityContext != nil {
		pod.SecurityContext = o.SecurityContext.DeepCopy()
	}
	for i := range pod.Containers {
		c := &pod.Containers[i]
		if o.ImagePullPolicy != "" {
			c.ImagePullPolicy = o.ImagePullPolicy
		}
		if o.ContainerSecurityContext != nil {
			c.SecurityContext = o.ContainerSecurityContext.DeepCopy()
		}
	}
	for k, v := range o.Annotations {
		if meta.Annotations == nil {
			meta.Annotations = map[string]string{}
		}
		meta.Annotations[k] = v
	}
	for k, v := range o.Labels {
		if meta.Labels == nil {
			meta.Labels = map[string]string{}
		}
		if _, own := meta.Labels[k]; !own {
			meta.Labels[k] = v
		}
	}
}

// podOptionsSet reports whether any option is set: only then are they part
// of a pool's revision, so that an operator upgrade rolls no tablet.
func podOptionsSet(o v1alpha1.PodOptions) bool {
	return !reflect.DeepEqual(o, v1alpha1.PodOptions{})
}

// spreadTablets spreads a shard's tablets evenly over the nodes that may run
// them: never two more on one node than on another (maxSkew 1), so each
// tablet is on its own node while there are enough nodes, and evenly shared
// when there are fewer. The operator cannot count nodes (it may not read
// them: its Role is in its namespace), so it does not choose between a
// required and a preferred rule; this constraint is both. Nodes tainted
// NoSchedule (cordoned, unreachable, not ready) are not counted
// (nodeTaintsPolicy Honor): a lost node keeping its tablet's count would
// otherwise make every other node too full for the replacement.
func spreadTablets(labels map[string]string) []corev1.TopologySpreadConstraint {
	honor := corev1.NodeInclusionPolicyHonor
	return []corev1.TopologySpreadConstraint{{
		MaxSkew:           1,
		TopologyKey:       corev1.LabelHostname,
		WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector:     &metav1.LabelSelector{MatchLabels: labels},
		NodeTaintsPolicy:  &honor,
	}}
}
