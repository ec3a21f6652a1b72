package vitess

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// A paused VitessCluster stops every write of the operator below it: the
// cluster applies and deletes no child, and its cells, keyspaces and shards
// each read the pause from the cluster at every pass. Writing the pause into
// each child would itself be a write to a paused cluster, and a child that
// has not been written yet would go on acting.

// clusterPaused reports whether the VitessCluster named cluster in
// namespace is paused.
func clusterPaused(l vtlisters.VitessClusterLister, namespace, cluster string) bool {
	vc, err := l.VitessClusters(namespace).Get(cluster)
	return err == nil && vc.Spec.Paused
}

// pausedReason is the message of a child's Progressing condition while its
// cluster is paused.
const pausedReason = "paused: the VitessCluster's spec.paused is set, the operator takes no action"

// markPaused sets a child's phase to Paused and its Progressing condition
// to False, leaving Ready and Degraded as the last pass found them: pods
// run on while paused.
func markPaused(st *common.ObjectStatus, generation int64) {
	st.ObservedGeneration = generation
	st.Phase = common.PhasePaused
	meta.SetStatusCondition(&st.Conditions, metav1.Condition{Type: common.ConditionProgressing,
		Status: metav1.ConditionFalse, Reason: "Paused", Message: pausedReason, ObservedGeneration: generation})
}

// writePaused writes a paused child's status through w, only if it changes.
func writePaused[T k8s.StatusObject](ctx context.Context, w k8s.StatusWriter[T], obj T, status func(T) *common.ObjectStatus) error {
	_, err := w.Write(ctx, obj, func(next T) { markPaused(status(next), next.GetGeneration()) })
	return err
}
