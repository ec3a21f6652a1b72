package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// ownedBy says whether claim has an owner reference with uid.
func ownedBy(claim *corev1.PersistentVolumeClaim, uid types.UID) bool {
	for _, r := range claim.OwnerReferences {
		if r.UID == uid {
			return true
		}
	}
	return false
}

// TestClaimOwnersFollowThePolicyInForce creates a set whose claims go with
// it (whenDeleted: Delete), switches the policy to Retain, deletes the set
// and finds every claim still there: the owner references follow the
// policy in force, not the one the claims were made under. Switching back
// gives them the owner reference again.
func TestClaimOwnersFollowThePolicyInForce(t *testing.T) {
	t.Parallel()
	ctx, ns, _, set := startEditedSet(t, 3*time.Minute, func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete}
	})
	claims := []string{"data-example-0", "data-example-1", "data-example-2"}
	waitClaims := func(what string, want bool) {
		t.Helper()
		for _, name := range claims {
			_, err := framework.WaitForObject(ctx, cluster, ns, name, func(c *corev1.PersistentVolumeClaim) bool {
				return ownedBy(c, set.UID) == want
			})
			require.NoError(t, err, "claim %s: %s", name, what)
		}
	}
	waitClaims("owned by the set under whenDeleted: Delete", true)

	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = common.RetentionRetain
	})
	waitClaims("no longer owned once the policy is Retain", false)
	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = common.RetentionDelete
	})
	waitClaims("owned again once the policy is Delete again", true)
	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = common.RetentionRetain
	})
	waitClaims("no longer owned once the policy is Retain", false)

	require.NoError(t, cluster.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(ns).Delete(ctx, "example", metav1.DeleteOptions{}))
	_, err := cluster.WaitFor(ctx, v1alpha1.SchemeGroupVersion.WithResource("replicatedstatefulsets"), ns, "example", framework.Gone)
	require.NoError(t, err)
	// The garbage collector deletes the pods, which it owns; had it owned
	// the claims, they would go in the same sweep.
	for _, name := range []string{"example-0", "example-1", "example-2"} {
		_, err := cluster.WaitFor(ctx, corev1.SchemeGroupVersion.WithResource("pods"), ns, name, framework.Gone)
		require.NoError(t, err)
	}
	for _, name := range claims {
		_, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
		assert.NoError(t, err, "claim %s was deleted with the set under Retain", name)
	}
}

// TestScaleDownDeletesOnlyItsOwnClaims scales a set down under whenScaled:
// Delete after a claim of a removed member's name was replaced by one the
// set did not make: that claim is left alone, while the set's own claim of
// the other removed member goes.
func TestScaleDownDeletesOnlyItsOwnClaims(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startEditedSet(t, 3*time.Minute, func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenScaled: common.RetentionDelete}
		r.Spec.Replicas = 5
	})

	// A claim of the same name that is not the set's: its labels were taken
	// off, as a user adopting the volume for something else would.
	foreign, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-example-4", metav1.GetOptions{})
	require.NoError(t, err)
	foreign.Labels = map[string]string{"owner": "someone-else"}
	_, err = cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Update(ctx, foreign, metav1.UpdateOptions{})
	require.NoError(t, err)

	updateRSS(ctx, t, ns, "example", func(r *v1alpha1.ReplicatedStatefulSet) {
		r.Spec.Replicas = 3
	})
	waitRSS(ctx, t, ns, "example", "3 members", settled(3, 1))
	_, err = cluster.WaitFor(ctx, corev1.SchemeGroupVersion.WithResource("persistentvolumeclaims"), ns, "data-example-3", framework.Gone)
	require.NoError(t, err, "the set's own claim of a removed member must go under whenScaled: Delete")
	kept, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-example-4", metav1.GetOptions{})
	require.NoError(t, err, "a claim that is not the set's must never be deleted")
	assert.Equal(t, foreign.UID, kept.UID)
}
