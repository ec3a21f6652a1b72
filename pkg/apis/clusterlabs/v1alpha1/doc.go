// Package v1alpha1 is the clusterlabs.org/v1alpha1 API: ReplicatedStatefulSet,
// a replicated set of pods driven by user-supplied replication commands.
//
// +k8s:deepcopy-gen=package
// +groupName=clusterlabs.org
package v1alpha1
