// Package v1alpha1 is the vitess.io/v1alpha1 API: VitessCluster, which users
// write, and VitessCell, VitessKeyspace and VitessShard, which the operator
// renders from it to coordinate the parts of a cluster.
//
// +k8s:deepcopy-gen=package
// +groupName=vitess.io
package v1alpha1
