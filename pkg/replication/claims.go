package replication

import (
	"context"
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// belongsToSet says whether claim is one of the set's own: it carries the
// set's labels, and no other object controls it. A claim that merely has
// the name a member's claim would have (made by hand, or by a StatefulSet
// whose name a set reuses) is not the set's, and the engine neither
// deletes it nor changes its owners.
func belongsToSet(claim *corev1.PersistentVolumeClaim, kind, name string, setUID types.UID) bool {
	if claim.Labels[LabelKind] != kind || claim.Labels[LabelSet] != k8s.LabelValue(name) {
		return false
	}
	if c := metav1.GetControllerOfNoCopy(claim); c != nil && c.UID != setUID {
		return false
	}
	return true
}

// ownClaim returns the claim named name from the lister when it is the
// set's own (belongsToSet).
func (e *Engine) ownClaim(set Set, name string) (*corev1.PersistentVolumeClaim, bool) {
	obj := set.Object()
	claim, err := e.claims.PersistentVolumeClaims(obj.GetNamespace()).Get(name)
	if err != nil || !belongsToSet(claim, set.Kind(), obj.GetName(), obj.GetUID()) {
		return nil, false
	}
	return claim, true
}

// claimOwners returns the owner references claim should carry so that it
// has the set's reference exactly when want does, keeping every other
// owner, and whether that differs from what it has.
func claimOwners(claim *corev1.PersistentVolumeClaim, want []metav1.OwnerReference, setUID types.UID) ([]metav1.OwnerReference, bool) {
	isSet := func(r metav1.OwnerReference) bool { return r.UID == setUID }
	has := slices.ContainsFunc(claim.OwnerReferences, isSet)
	wanted := slices.IndexFunc(want, isSet)
	switch {
	case wanted >= 0 && !has:
		return append(slices.Clone(claim.OwnerReferences), want[wanted]), true
	case wanted < 0 && has:
		return slices.DeleteFunc(slices.Clone(claim.OwnerReferences), isSet), true
	}
	return claim.OwnerReferences, false
}

// ensureClaimOwners makes the claims of members carry the set's owner
// reference exactly when the retention policy in force says they go with
// the set (whenDeleted: Delete). The policy may change after the claims
// were made: switching to Retain must stop garbage collection from taking
// them with the set, switching to Delete must let it. Only claims that are
// the set's are changed, and only when they differ.
func (e *Engine) ensureClaimOwners(ctx context.Context, set Set, members []*Member) error {
	obj := set.Object()
	ns := obj.GetNamespace()
	var errs []error
	for _, m := range members {
		for _, want := range set.Claims(m.Ordinal) {
			have, ok := e.ownClaim(set, want.Name)
			if !ok {
				continue
			}
			owners, changed := claimOwners(have, want.OwnerReferences, obj.GetUID())
			if !changed {
				continue
			}
			next := have.DeepCopy()
			next.OwnerReferences = owners
			if _, err := e.kube.CoreV1().PersistentVolumeClaims(ns).Update(ctx, next, metav1.UpdateOptions{}); err != nil &&
				!apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("setting the owners of claim %s: %w", have.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// restoreLostClaims makes anew the claims of members whose pod waits to be
// scheduled while a claim it mounts is gone: a claim deleted together with
// its pod may still have been there, terminating, when the pod was made
// again, and the pod would then wait for it for ever. The new claim is
// empty, as a new member's is: the member restores a backup or replicates.
func (e *Engine) restoreLostClaims(ctx context.Context, set Set, members []*Member) error {
	ns := set.Object().GetNamespace()
	var errs []error
	for _, m := range members {
		if m.Pod == nil || m.Pod.Deleting || m.Pod.Phase != corev1.PodPending {
			continue
		}
		for _, want := range set.Claims(m.Ordinal) {
			if _, err := e.claims.PersistentVolumeClaims(ns).Get(want.Name); !apierrors.IsNotFound(err) {
				continue
			}
			_, err := e.kube.CoreV1().PersistentVolumeClaims(ns).Create(ctx, want, metav1.CreateOptions{})
			if err != nil && !apierrors.IsAlreadyExists(err) {
				errs = append(errs, fmt.Errorf("making claim %s of pending pod %s again: %w", want.Name, m.Name, err))
				continue
			}
			e.recorder.Eventf(set.Object(), corev1.EventTypeNormal, "ClaimCreated",
				"claim %s of pending pod %s was gone; made it anew, empty", want.Name, m.Name)
		}
	}
	return errors.Join(errs...)
}

// claimsGoing names a member's claims that are being deleted: its pod is
// made only once they are gone, so that it mounts a new claim rather than
// the one on its way out.
func (e *Engine) claimsGoing(set Set, ordinal int) []string {
	var going []string
	for _, c := range set.Claims(ordinal) {
		if have, err := e.claims.PersistentVolumeClaims(set.Object().GetNamespace()).Get(c.Name); err == nil && have.DeletionTimestamp != nil {
			going = append(going, c.Name)
		}
	}
	return going
}
