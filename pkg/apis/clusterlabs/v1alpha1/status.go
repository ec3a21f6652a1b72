package v1alpha1

import "github.com/vitess-operator/vitess-operator/pkg/apis/common"

// CommonStatus returns the status fields every object of the operator has.
func (r *ReplicatedStatefulSet) CommonStatus() *common.ObjectStatus { return &r.Status.ObjectStatus }
