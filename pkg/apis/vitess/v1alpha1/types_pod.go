package v1alpha1

import corev1 "k8s.io/api/core/v1"

// PodOptions are the Kubernetes pod fields a platform team sets on a
// component's pods: where they are scheduled, how their images are pulled,
// what they carry, and their security context. The operator's own choices
// (its labels, its spread of a shard's tablets over nodes, the security
// context the images need) apply where these leave a field unset.
type PodOptions struct {
	// Affinity replaces the operator's pod anti-affinity when set.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`
	// Tolerations are added to the pods' tolerations.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// NodeSelector is added to the pods' node selector, with the cell's zone.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// TopologySpreadConstraints are added to the pods' own: a shard's
	// tablets are spread evenly over nodes by default.
	// +optional
	// +kubebuilder:validation:MaxItems=8
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints,omitempty"`
	// PriorityClassName is the pods' priority class.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	PriorityClassName string `json:"priorityClassName,omitempty"`
	// ImagePullPolicy of every container of the pods.
	// +optional
	// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	// ImagePullSecrets name Secrets with the credentials of the registries
	// the images come from.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// Annotations are added to the pods.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
	// Labels are added to the pods; the operator's own labels win.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// SecurityContext replaces the pods' security context (by default
	// non-root as the image's user, fsGroup for the data claim, seccomp
	// RuntimeDefault).
	// +optional
	SecurityContext *corev1.PodSecurityContext `json:"securityContext,omitempty"`
	// ContainerSecurityContext replaces each container's security context
	// (by default no privilege escalation, every capability dropped).
	// +optional
	ContainerSecurityContext *corev1.SecurityContext `json:"containerSecurityContext,omitempty"`
}
