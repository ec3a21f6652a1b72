package replication

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// What the kinds that run on the engine (ReplicatedStatefulSet,
// VitessShard) map from their specs the same way: the reconcile interval
// and the claim retention policy.

// DefaultReconcileInterval is how often a set is reconciled when its
// spec.reconcileInterval is unset.
const DefaultReconcileInterval = 30 * time.Second

// Bounds of a reconcile interval, as the schema enforces them. An object
// stored before the schema did is held to them too: a nanosecond interval
// would be a hot loop.
const (
	MinReconcileInterval = time.Second
	MaxReconcileInterval = 24 * time.Hour
)

// ReconcileInterval is a spec's reconcile interval: d when it is set and
// positive, else DefaultReconcileInterval; clamped to the bounds above.
func ReconcileInterval(d *metav1.Duration) time.Duration {
	if d == nil || d.Duration <= 0 {
		return DefaultReconcileInterval
	}
	return min(max(d.Duration, MinReconcileInterval), MaxReconcileInterval)
}

// ClaimRetention is what a PersistentVolumeClaimRetentionPolicy asks of a
// set's claims. Its zero value keeps them: data outlives its members and
// its set unless told otherwise.
type ClaimRetention struct {
	// DeleteOnScaleDown removes a removed member's claims with its pod: the
	// value of Spec.DeleteClaimsOnScaleDown.
	DeleteOnScaleDown bool
	// DeleteWithSet gives claims an owner reference to the set, so that
	// garbage collection removes them with it.
	DeleteWithSet bool
}

// ClaimRetentionOf maps a retention policy; a nil policy, or a field other
// than Delete, retains.
func ClaimRetentionOf(p *common.PVCRetentionPolicy) ClaimRetention {
	if p == nil {
		return ClaimRetention{}
	}
	return ClaimRetention{
		DeleteOnScaleDown: p.WhenScaled == common.RetentionDelete,
		DeleteWithSet:     p.WhenDeleted == common.RetentionDelete,
	}
}

// ClaimOwners are the owner references a claim of the set carries: the
// set's when claims go with it, else none.
func (c ClaimRetention) ClaimOwners(set metav1.OwnerReference) []metav1.OwnerReference {
	if !c.DeleteWithSet {
		return nil
	}
	return []metav1.OwnerReference{set}
}
