package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestVtgateAutoscaler runs example/my-vitess.yaml and gives zone1's
// vtgates an autoscaler (minReplicas 3, maxReplicas 5), then takes it away:
//
//   - the cell gets a HorizontalPodAutoscaler, owned by it, whose target is
//     the VitessCell, and starts at minReplicas;
//   - scaled below minReplicas through its scale subresource, the cell is
//     raised back to 3 by the real kube-controller-manager's HPA controller
//     (which enforces minReplicas without any metrics), and the vtgate
//     Deployment follows; the cell's status reports the count and the
//     selector the scale subresource serves;
//   - scaled within the bounds, the vtgates follow and the cluster does not
//     put the count back, even when the cluster's own vtgate replicas change;
//   - without the autoscaler the HPA is deleted and the cluster's replicas
//     win again: a kubectl scale of the cell is restored, with an Event;
//   - a cell without vtgates cannot be scaled.
func TestVtgateAutoscaler(t *testing.T) {
	t.Parallel()
	ctx, ns, _, vc := startVitess(t, "example/my-vitess.yaml", 8*time.Minute)
	cellName := vitess.CellObjectName(vc.Name, "zone1")
	vtgate := vitess.VtgateName(vc.Name, "zone1")

	updateCluster(ctx, t, ns, vc.Name, func(v *vitessCluster) {
		v.Spec.Cells[1].Vtgate.Autoscaler = &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}
	})
	hpa := framework.Await(ctx, t, cluster, ns, vtgate, "the vtgate autoscaler", func(*autoscalingv2.HorizontalPodAutoscaler) bool { return true })
	cell, err := cluster.Client.VitessV1alpha1().VitessCells(ns).Get(ctx, cellName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "vitess.io/v1alpha1", Kind: "VitessCell", Name: cellName},
		hpa.Spec.ScaleTargetRef)
	assert.Equal(t, int32(3), *hpa.Spec.MinReplicas)
	assert.Equal(t, int32(5), hpa.Spec.MaxReplicas)
	require.Len(t, hpa.OwnerReferences, 1)
	assert.Equal(t, cell.UID, hpa.OwnerReferences[0].UID)
	awaitVtgates(ctx, t, ns, cellName, vtgate, 3, "the cell starting at minReplicas")

	// Below minReplicas: only the HPA controller raises it again.
	_, err = cluster.Kubectl(ctx, "-n", ns, "scale", "vtc/"+cellName, "--replicas=1")
	require.NoError(t, err)
	raised := framework.Await(ctx, t, cluster, ns, cellName, "the HPA controller raising the cell to minReplicas",
		func(c *v1alpha1.VitessCell) bool {
			return c.Spec.Vtgate.Replicas == 3 && scaledBy(c, "kube-controller-manager")
		})
	assert.Equal(t, int32(3), raised.Spec.Vtgate.Replicas)
	awaitVtgates(ctx, t, ns, cellName, vtgate, 3, "the vtgates following the HPA")
	scale := cellScale(ctx, t, ns, cellName)
	assert.Equal(t, int32(3), scale.Spec.Replicas)
	assert.Equal(t, int32(3), scale.Status.Replicas)
	sel, err := labels.Parse(scale.Status.Selector)
	require.NoError(t, err)
	d, err := cluster.Kube.AppsV1().Deployments(ns).Get(ctx, vtgate, metav1.GetOptions{})
	require.NoError(t, err)
	assert.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "the scale selector %q selects the vtgate pods", scale.Status.Selector)

	// Within the bounds the count stays where it is put: the HPA has no
	// metrics to act on, and the cluster leaves it, even when its own
	// replicas change (its pass that saw the change wrote no cell count).
	_, err = cluster.Kubectl(ctx, "-n", ns, "scale", "vtc/"+cellName, "--replicas=4")
	require.NoError(t, err)
	awaitVtgates(ctx, t, ns, cellName, vtgate, 4, "the vtgates following kubectl scale")
	updateCluster(ctx, t, ns, vc.Name, func(v *vitessCluster) { v.Spec.Cells[1].Vtgate.Replicas = 1 })
	waitCluster(ctx, t, ns, vc.Name, "the cluster's pass over its new replicas", clusterReady)
	cell, err = cluster.Client.VitessV1alpha1().VitessCells(ns).Get(ctx, cellName, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(4), cell.Spec.Vtgate.Replicas, "the cluster put back the autoscaled count")

	// Without the autoscaler, the cluster's replicas win again.
	updateCluster(ctx, t, ns, vc.Name, func(v *vitessCluster) { v.Spec.Cells[1].Vtgate.Autoscaler = nil })
	_, err = framework.WaitForTyped(ctx, cluster, autoscalingv2.SchemeGroupVersion.WithResource("horizontalpodautoscalers"), ns, vtgate,
		func(h *autoscalingv2.HorizontalPodAutoscaler) (bool, error) { return h == nil, nil })
	require.NoError(t, err, "the autoscaler was not deleted")
	awaitVtgates(ctx, t, ns, cellName, vtgate, 1, "the cluster's replicas")
	_, err = cluster.Kubectl(ctx, "-n", ns, "scale", "vtc/"+cellName, "--replicas=2")
	require.NoError(t, err)
	framework.Await(ctx, t, cluster, ns, cellName, "kubectl scale restored without an autoscaler", func(c *v1alpha1.VitessCell) bool {
		return c.Spec.Vtgate.Replicas == 1 && !scaledBy(c, "kubectl")
	})
	e := awaitEvent(ctx, t, ns, cellName, "DriftCorrected")
	assert.Contains(t, e.Message, "edited by kubectl")
	assert.NotContains(t, driftEvents(ctx, t, ns), "VitessCell/"+cellName+": kube-controller-manager",
		"the autoscaler's scaling was taken for an edit")

	_, err = cluster.Kubectl(ctx, "-n", ns, "scale", "vtc/"+vitess.CellObjectName(vc.Name, "global"), "--replicas=2")
	require.Error(t, err, "a cell without vtgates was scaled")
	assert.Contains(t, err.Error(), "spec.vtgate")
	assert.Contains(t, err.Error(), "nothing to scale")
}

// awaitVtgates waits until the cell asks for n vtgates, its Deployment runs
// them, and the cell's status counts them.
func awaitVtgates(ctx context.Context, t *testing.T, ns, cell, deployment string, n int32, what string) {
	t.Helper()
	framework.Await(ctx, t, cluster, ns, deployment, what+": Deployment", func(d *appsv1.Deployment) bool {
		return d.Spec.Replicas != nil && *d.Spec.Replicas == n && d.Status.Replicas == n
	})
	framework.Await(ctx, t, cluster, ns, cell, what+": cell status", func(c *v1alpha1.VitessCell) bool {
		return c.Spec.Vtgate.Replicas == n && c.Status.VtgateReplicas == n && c.Status.VtgateSelector != ""
	})
}

// scaledBy reports whether manager owns the cell's vtgate count through the
// scale subresource: its last write of the count is still the count.
func scaledBy(c *v1alpha1.VitessCell, manager string) bool {
	for _, mf := range c.ManagedFields {
		if mf.Manager == manager && mf.Subresource == "scale" {
			return true
		}
	}
	return false
}

// cellScale reads a cell's scale subresource, as an autoscaler does.
func cellScale(ctx context.Context, t *testing.T, ns, cell string) *autoscalingv1.Scale {
	t.Helper()
	out, err := cluster.Kubectl(ctx, "get", "--raw", fmt.Sprintf("/apis/vitess.io/v1alpha1/namespaces/%s/vitesscells/%s/scale", ns, cell))
	require.NoError(t, err)
	var s autoscalingv1.Scale
	require.NoError(t, json.Unmarshal([]byte(out), &s))
	return &s
}
