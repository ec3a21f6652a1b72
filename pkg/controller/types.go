package controller

import (
	clusterlabsv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	vitessv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// Short names for the managed API types.
type (

	vitessCell            = vitessv1alpha1.VitessCell
	vitessKeyspace        = vitessv1alpha1.VitessKeyspace
	vitessShard           = vitessv1alpha1.VitessShard
	replicatedStatefulSet = clusterlabsv1alpha1.ReplicatedStatefulSet
)
