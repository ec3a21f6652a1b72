// Package common holds API types shared by the vitess.io and clusterlabs.org
// groups: the status every object reports and the member lists of a
// replicated set.
//
// +k8s:deepcopy-gen=package
package common
