package v1alpha1

import "github.com/vitess-operator/vitess-operator/pkg/apis/common"

// StatusParts returns the two parts of the set's status: the one every kind
// has and the one every replicated kind has.
func (r *ReplicatedStatefulSet) StatusParts() (*common.ObjectStatus, *common.ReplicatedStatus) {
	return &r.Status.ObjectStatus, &r.Status.ReplicatedStatus
}
