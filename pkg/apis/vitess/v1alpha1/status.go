package v1alpha1

import "github.com/vitess-operator/vitess-operator/pkg/apis/common"

// CommonStatus returns the status fields every object of the operator has.
func (c *VitessCluster) CommonStatus() *common.ObjectStatus { return &c.Status.ObjectStatus }

// CommonStatus returns the status fields every object of the operator has.
func (c *VitessCell) CommonStatus() *common.ObjectStatus { return &c.Status.ObjectStatus }

// CommonStatus returns the status fields every object of the operator has.
func (k *VitessKeyspace) CommonStatus() *common.ObjectStatus { return &k.Status.ObjectStatus }

// CommonStatus returns the status fields every object of the operator has.
func (s *VitessShard) CommonStatus() *common.ObjectStatus { return &s.Status.ObjectStatus }
