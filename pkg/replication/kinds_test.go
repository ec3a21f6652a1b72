package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

func TestReconcileInterval(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   *metav1.Duration
		want time.Duration
	}{
		{name: "unset", in: nil, want: DefaultReconcileInterval},
		{name: "zero", in: &metav1.Duration{}, want: DefaultReconcileInterval},
		{name: "negative", in: &metav1.Duration{Duration: -time.Second}, want: DefaultReconcileInterval},
		{name: "set", in: &metav1.Duration{Duration: time.Minute}, want: time.Minute},
		// Stored before the schema bounded it: a nanosecond would be a hot loop.
		{name: "below the bound", in: &metav1.Duration{Duration: time.Nanosecond}, want: MinReconcileInterval},
		{name: "above the bound", in: &metav1.Duration{Duration: 1000 * time.Hour}, want: MaxReconcileInterval},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, ReconcileInterval(tc.in)) })
	}
	assert.Equal(t, 30*time.Second, DefaultReconcileInterval)
}

func TestClaimRetentionOf(t *testing.T) {
	owner := metav1.OwnerReference{Kind: "Set", Name: "s", UID: "uid"}
	for _, tc := range []struct {
		name   string
		policy *common.PVCRetentionPolicy
		want   ClaimRetention
	}{
		{name: "no policy keeps the claims", policy: nil},
		{name: "empty policy keeps the claims", policy: &common.PVCRetentionPolicy{}},
		{name: "retain", policy: &common.PVCRetentionPolicy{WhenDeleted: common.RetentionRetain, WhenScaled: common.RetentionRetain}},
		{name: "delete when scaled", policy: &common.PVCRetentionPolicy{WhenScaled: common.RetentionDelete},
			want: ClaimRetention{DeleteOnScaleDown: true}},
		{name: "delete with the set", policy: &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete},
			want: ClaimRetention{DeleteWithSet: true}},
		{name: "delete both", policy: &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete, WhenScaled: common.RetentionDelete},
			want: ClaimRetention{DeleteOnScaleDown: true, DeleteWithSet: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ClaimRetentionOf(tc.policy)
			assert.Equal(t, tc.want, got)
			if tc.want.DeleteWithSet {
				assert.Equal(t, []metav1.OwnerReference{owner}, got.ClaimOwners(owner))
			} else {
				assert.Nil(t, got.ClaimOwners(owner))
			}
		})
	}
}
