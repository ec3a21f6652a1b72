package vitess

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// applyAutoscaler creates or updates the HorizontalPodAutoscaler of the
// cell's vtgates when the cell asks for one, and deletes the one the cell
// made when it no longer does. An autoscaler of that name the cell does not
// control is left alone (and, when the cell wants one, refused by the
// applier).
func (r *CellReconciler) applyAutoscaler(ctx context.Context, cell *v1alpha1.VitessCell, owner metav1.OwnerReference) error {
	if hpa := RenderVtgateAutoscaler(cell, owner); hpa != nil {
		_, err := r.apply.hpas.Apply(ctx, hpa, hpa.Spec)
		return err
	}
	name := VtgateName(cell.Spec.Cluster, cell.Spec.Name)
	have, err := r.hpas.HorizontalPodAutoscalers(cell.Namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading autoscaler %s: %w", name, err)
	}
	if ref := metav1.GetControllerOf(have); ref == nil || ref.UID != cell.UID || have.DeletionTimestamp != nil {
		return nil
	}
	// The UID precondition keeps a delete from reaching an autoscaler made
	// anew under the same name since the lister saw this one.
	err = r.d.Kube.AutoscalingV2().HorizontalPodAutoscalers(cell.Namespace).Delete(ctx, name,
		metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &have.UID}})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting autoscaler %s: %w", name, err)
	}
	return nil
}
