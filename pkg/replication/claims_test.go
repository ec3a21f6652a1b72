package replication

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func claimWith(labels map[string]string, owners ...metav1.OwnerReference) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-s-0", Labels: labels, OwnerReferences: owners}}
}

// TestBelongsToSet proves that a claim is the set's only with the set's
// labels and no other controller: a claim of the right name alone is not.
func TestBelongsToSet(t *testing.T) {
	yes := true
	set := metav1.OwnerReference{UID: "set-uid", Controller: &yes}
	other := metav1.OwnerReference{UID: "sts-uid", Controller: &yes}
	labels := SetLabels(fakeKind, fakeName)
	for _, tc := range []struct {
		name  string
		claim *corev1.PersistentVolumeClaim
		want  bool
	}{
		{"labels, retained", claimWith(labels), true},
		{"labels, owned by the set", claimWith(labels, set), true},
		{"no labels", claimWith(nil), false},
		{"another set's labels", claimWith(SetLabels(fakeKind, "other")), false},
		{"another kind's labels", claimWith(SetLabels("Other", fakeName)), false},
		{"labels but controlled by a StatefulSet", claimWith(labels, other), false},
	} {
		assert.Equal(t, tc.want, belongsToSet(tc.claim, fakeKind, fakeName, "set-uid"), tc.name)
	}
}

// TestClaimOwners proves that the set's owner reference is added or
// removed to match the policy, and every other owner is kept.
func TestClaimOwners(t *testing.T) {
	setRef := metav1.OwnerReference{Kind: fakeKind, Name: fakeName, UID: "set-uid"}
	other := metav1.OwnerReference{Kind: "ConfigMap", Name: "keep", UID: "other-uid"}
	setUID := types.UID("set-uid")
	for _, tc := range []struct {
		name        string
		have, want  []metav1.OwnerReference
		wantOwners  []metav1.OwnerReference
		wantChanged bool
	}{
		{"delete policy, not owned yet", nil, []metav1.OwnerReference{setRef}, []metav1.OwnerReference{setRef}, true},
		{"delete policy, owned", []metav1.OwnerReference{setRef}, []metav1.OwnerReference{setRef}, []metav1.OwnerReference{setRef}, false},
		{"retain policy, still owned", []metav1.OwnerReference{other, setRef}, nil, []metav1.OwnerReference{other}, true},
		{"retain policy, not owned", []metav1.OwnerReference{other}, nil, []metav1.OwnerReference{other}, false},
		{"delete policy keeps other owners", []metav1.OwnerReference{other}, []metav1.OwnerReference{setRef},
			[]metav1.OwnerReference{other, setRef}, true},
	} {
		claim := claimWith(nil, tc.have...)
		before := slices.Clone(claim.OwnerReferences)
		got, changed := claimOwners(claim, tc.want, setUID)
		assert.Equal(t, tc.wantChanged, changed, tc.name)
		assert.Equal(t, tc.wantOwners, got, tc.name)
		assert.Equal(t, before, claim.OwnerReferences, "%s: the claim itself is not changed", tc.name)
	}
}
