package v1alpha1

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
)

// VtgateAutoscaler is the HorizontalPodAutoscaler of a cell's vtgates: the
// operator makes one per cell (autoscaling/v2, named as the vtgate
// Deployment) whose target is the VitessCell, and removes it when this is
// unset.
// +kubebuilder:validation:XValidation:rule="(has(self.minReplicas) ? self.minReplicas : 1) <= self.maxReplicas",message="autoscaler.minReplicas must not exceed autoscaler.maxReplicas",fieldPath=".minReplicas"
type VtgateAutoscaler struct {
	// MinReplicas is the fewest vtgates the autoscaler keeps; the default
	// is 1.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	MinReplicas int32 `json:"minReplicas,omitempty"`
	// MaxReplicas is the most vtgates the autoscaler scales to.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxReplicas int32 `json:"maxReplicas"`
	// Metrics are what the autoscaler scales on, as in a
	// HorizontalPodAutoscaler's spec.metrics; the default is the vtgates'
	// average CPU utilization at 80% of their requests (which the vtgate's
	// resources must then set).
	// +optional
	// +kubebuilder:validation:MaxItems=8
	// +listType=atomic
	Metrics []autoscalingv2.MetricSpec `json:"metrics,omitempty"`
	// Behavior is the autoscaler's scaling behavior, as in a
	// HorizontalPodAutoscaler's spec.behavior; unset, Kubernetes' defaults.
	// +optional
	Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
}
