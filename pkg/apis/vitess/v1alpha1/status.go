package v1alpha1

import "github.com/vitess-operator/vitess-operator/pkg/apis/common"

// StatusParts returns the two parts of the shard's status: the one every
// kind has and the one every replicated kind has.
func (s *VitessShard) StatusParts() (*common.ObjectStatus, *common.ReplicatedStatus) {
	return &s.Status.ObjectStatus, &s.Status.ReplicatedStatus
}
