package vitess

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// ensureBackupClaim makes the claim of the cluster's volume backup store
// when the cluster asks for one and it does not exist. An existing claim is
// left as it is: its spec is immutable but for its size, and a claim of
// that name the cluster did not make is used as it is, never taken over.
func (r *ClusterReconciler) ensureBackupClaim(ctx context.Context, vc *v1alpha1.VitessCluster) error {
	want := RenderBackupClaim(vc)
	if want == nil {
		return nil
	}
	_, err := r.claims.PersistentVolumeClaims(want.Namespace).Get(want.Name)
	if err == nil {
		return nil
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading backup claim %s: %w", want.Name, err)
	}
	_, err = r.d.Kube.CoreV1().PersistentVolumeClaims(want.Namespace).Create(ctx, want, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("making backup claim %s: %w", want.Name, err)
	}
	return nil
}
