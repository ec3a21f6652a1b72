package vitess

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// withAutoscaler is zone1 of the two-cells example with vtgate replicas
// and, unless a is nil, an autoscaler.
func withAutoscaler(t *testing.T, replicas int32, a *v1alpha1.VtgateAutoscaler) *v1alpha1.VitessCell {
	t.Helper()
	c := zone1Cell(t)
	c.Spec.Vtgate.Replicas = replicas
	c.Spec.Vtgate.Autoscaler = a
	return c
}

// TestWithAutoscaledReplicas: a new autoscaled cell starts with the
// cluster's count within the autoscaler's bounds; a cell without an
// autoscaler, or without a vtgate, keeps the cluster's.
func TestWithAutoscaledReplicas(t *testing.T) {
	for _, tc := range []struct {
		name     string
		replicas int32
		a        *v1alpha1.VtgateAutoscaler
		want     int32
	}{
		{name: "no autoscaler", replicas: 2, want: 2},
		{name: "no autoscaler, none", replicas: 0, want: 0},
		{name: "below min", replicas: 1, a: &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}, want: 3},
		{name: "zero below min", replicas: 0, a: &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}, want: 3},
		{name: "within", replicas: 4, a: &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}, want: 4},
		{name: "above max", replicas: 9, a: &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}, want: 5},
		{name: "min unset is 1", replicas: 0, a: &v1alpha1.VtgateAutoscaler{MaxReplicas: 5}, want: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := withAutoscaler(t, tc.replicas, tc.a)
			assert.Equal(t, tc.want, withAutoscaledReplicas(c.Spec.CellSpec).Vtgate.Replicas)
		})
	}
	noVtgate := zone1Cell(t).Spec.CellSpec
	noVtgate.Vtgate = nil
	assert.Nil(t, withAutoscaledReplicas(noVtgate).Vtgate)
}

// TestRenderAutoscaledCell: the cluster renders an autoscaled cell with its
// autoscaler and its starting count.
func TestRenderAutoscaledCell(t *testing.T) {
	vc := loadCluster(t, twoCellsYAML)
	for i := range vc.Spec.Cells {
		if vc.Spec.Cells[i].Name == "zone1" {
			vc.Spec.Cells[i].Vtgate.Replicas = 1
			vc.Spec.Cells[i].Vtgate.Autoscaler = &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}
		}
	}
	ch, err := Render(vc)
	require.NoError(t, err)
	c := cellByName(t, ch, "zone1")
	assert.Equal(t, int32(3), c.Spec.Vtgate.Replicas)
	assert.Equal(t, &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}, c.Spec.Vtgate.Autoscaler)
}

// TestCellHashSpec: an autoscaled cell's hash ignores its vtgate count, so
// the autoscaler's changes make no write; a cell without an autoscaler
// hashes as its whole spec, as before autoscalers existed, so that nothing
// is rewritten (and no vtgate rolled) on upgrade.
func TestCellHashSpec(t *testing.T) {
	plain := withAutoscaler(t, 2, nil)
	assert.Equal(t, plain.Spec, cellHashSpec(plain.Spec))
	h1, err := k8s.Hash(cellHashSpec(plain.Spec))
	require.NoError(t, err)
	plain.Spec.Vtgate.Replicas = 3
	h2, err := k8s.Hash(cellHashSpec(plain.Spec))
	require.NoError(t, err)
	assert.NotEqual(t, h1, h2, "without an autoscaler the count is the cluster's")

	a := &v1alpha1.VtgateAutoscaler{MinReplicas: 2, MaxReplicas: 6}
	scaled := withAutoscaler(t, 2, a)
	h3, err := k8s.Hash(cellHashSpec(scaled.Spec))
	require.NoError(t, err)
	scaled.Spec.Vtgate.Replicas = 5
	h4, err := k8s.Hash(cellHashSpec(scaled.Spec))
	require.NoError(t, err)
	assert.Equal(t, h3, h4, "the autoscaler's count is not the cluster's")
	assert.Equal(t, int32(5), scaled.Spec.Vtgate.Replicas, "the spec hashed is a copy")
	scaled.Spec.Vtgate.Autoscaler.MaxReplicas = 7
	h5, err := k8s.Hash(cellHashSpec(scaled.Spec))
	require.NoError(t, err)
	assert.NotEqual(t, h4, h5, "a change of the autoscaler is written")
}

// TestMergeCellSpec: the cluster's update of a cell keeps the count the
// autoscaler set while the cell stays autoscaled, and sets its own when
// the cell gains or loses its autoscaler.
func TestMergeCellSpec(t *testing.T) {
	a := &v1alpha1.VtgateAutoscaler{MinReplicas: 3, MaxReplicas: 5}
	for _, tc := range []struct {
		name               string
		have, want         *v1alpha1.VitessCell
		wantReplicas       int32
		wantAutoscalerGone bool
	}{
		{name: "stays autoscaled", have: withAutoscaler(t, 5, a), want: withAutoscaler(t, 3, a), wantReplicas: 5},
		{name: "gains an autoscaler", have: withAutoscaler(t, 1, nil), want: withAutoscaler(t, 3, a), wantReplicas: 3},
		{name: "loses its autoscaler", have: withAutoscaler(t, 5, a), want: withAutoscaler(t, 2, nil), wantReplicas: 2,
			wantAutoscalerGone: true},
		{name: "never autoscaled", have: withAutoscaler(t, 4, nil), want: withAutoscaler(t, 2, nil), wantReplicas: 2,
			wantAutoscalerGone: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.have.DeepCopy()
			mergeCellSpec(u, tc.want)
			assert.Equal(t, tc.wantReplicas, u.Spec.Vtgate.Replicas)
			assert.Equal(t, tc.wantAutoscalerGone, u.Spec.Vtgate.Autoscaler == nil)
			u.Spec.Vtgate.Replicas = tc.want.Spec.Vtgate.Replicas
			assert.Equal(t, tc.want.Spec, u.Spec, "everything else is the cluster's")
		})
	}
}

// TestCellSpecEditor: while a cell is autoscaled, before or after the
// write, a scale of its vtgates is not an edit to restore; anything else
// is, and without an autoscaler so is a scale (kubectl scale vtc is
// restored from the cluster) unless it left the cluster's count.
func TestCellSpecEditor(t *testing.T) {
	t0 := metav1.NewTime(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
	scale := metav1.ManagedFieldsEntry{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate,
		Subresource: "scale", Time: &t0, FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:vtgate":{"f:replicas":{}}}}`)}
	edit := metav1.ManagedFieldsEntry{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate,
		Time: &t0, FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:vtgate":{"f:image":{}}}}`)}
	a := &v1alpha1.VtgateAutoscaler{MinReplicas: 1, MaxReplicas: 5}
	for _, tc := range []struct {
		name       string
		have, want *v1alpha1.VitessCell
		entry      metav1.ManagedFieldsEntry
		editor     string
	}{
		{name: "scaled while autoscaled", have: withAutoscaler(t, 3, a), want: withAutoscaler(t, 1, a), entry: scale},
		{name: "scaled, autoscaler being removed", have: withAutoscaler(t, 3, a), want: withAutoscaler(t, 1, nil), entry: scale},
		{name: "scaled, autoscaler being added", have: withAutoscaler(t, 3, nil), want: withAutoscaler(t, 1, a), entry: scale},
		{name: "scaled without autoscaler", have: withAutoscaler(t, 3, nil), want: withAutoscaler(t, 1, nil), entry: scale,
			editor: "kube-controller-manager"},
		{name: "left at the cluster's count by a removed autoscaler", have: withAutoscaler(t, 2, nil), want: withAutoscaler(t, 2, nil),
			entry: scale},
		{name: "edited, count as the cluster's", have: withAutoscaler(t, 2, nil), want: withAutoscaler(t, 2, nil), entry: edit,
			editor: "kubectl-edit"},
		{name: "edited while autoscaled", have: withAutoscaler(t, 3, a), want: withAutoscaler(t, 1, a), entry: edit,
			editor: "kubectl-edit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.have.ManagedFields = []metav1.ManagedFieldsEntry{tc.entry}
			assert.Equal(t, tc.editor, cellSpecEditor(tc.have, tc.want))
		})
	}
}

// TestRenderVtgateAutoscaler: the autoscaler targets the cell (so that it
// scales through the cell's scale subresource), is owned by it, and aims at
// 80% CPU unless told otherwise; none without an autoscaler.
func TestRenderVtgateAutoscaler(t *testing.T) {
	assert.Nil(t, RenderVtgateAutoscaler(withAutoscaler(t, 2, nil), cellOwner))
	noVtgate := zone1Cell(t)
	noVtgate.Spec.Vtgate = nil
	assert.Nil(t, RenderVtgateAutoscaler(noVtgate, cellOwner))

	c := withAutoscaler(t, 2, &v1alpha1.VtgateAutoscaler{MaxReplicas: 4})
	hpa := RenderVtgateAutoscaler(c, cellOwner)
	require.NotNil(t, hpa)
	assert.Equal(t, VtgateName(c.Spec.Cluster, c.Spec.Name), hpa.Name)
	assert.Equal(t, c.Namespace, hpa.Namespace)
	assert.Equal(t, []metav1.OwnerReference{cellOwner}, hpa.OwnerReferences)
	assert.Equal(t, autoscalingv2.CrossVersionObjectReference{APIVersion: "vitess.io/v1alpha1", Kind: "VitessCell", Name: c.Name},
		hpa.Spec.ScaleTargetRef)
	require.NotNil(t, hpa.Spec.MinReplicas)
	assert.Equal(t, int32(1), *hpa.Spec.MinReplicas)
	assert.Equal(t, int32(4), hpa.Spec.MaxReplicas)
	require.Len(t, hpa.Spec.Metrics, 1)
	m := hpa.Spec.Metrics[0]
	require.NotNil(t, m.Resource)
	assert.Equal(t, corev1.ResourceCPU, m.Resource.Name)
	assert.Equal(t, autoscalingv2.UtilizationMetricType, m.Resource.Target.Type)
	assert.Equal(t, int32(80), *m.Resource.Target.AverageUtilization)
	assert.Nil(t, hpa.Spec.Behavior)

	window := int32(60)
	own := []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceMemory, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &window}}}}
	behavior := &autoscalingv2.HorizontalPodAutoscalerBehavior{
		ScaleDown: &autoscalingv2.HPAScalingRules{StabilizationWindowSeconds: &window}}
	c = withAutoscaler(t, 2, &v1alpha1.VtgateAutoscaler{MinReplicas: 2, MaxReplicas: 6, Metrics: own, Behavior: behavior})
	hpa = RenderVtgateAutoscaler(c, cellOwner)
	assert.Equal(t, int32(2), *hpa.Spec.MinReplicas)
	assert.Equal(t, own, hpa.Spec.Metrics)
	assert.Equal(t, behavior, hpa.Spec.Behavior)
	hpa.Spec.Metrics[0].Resource.Name = corev1.ResourceCPU
	assert.Equal(t, corev1.ResourceMemory, c.Spec.Vtgate.Autoscaler.Metrics[0].Resource.Name, "the cell's spec is not shared")
}

// TestVtgateSelector: the scale subresource's selector selects exactly the
// pods of the cell's vtgate Deployment; a cell without vtgates has none.
func TestVtgateSelector(t *testing.T) {
	c := zone1Cell(t)
	d, _ := RenderVtgate(c, cellOwner)
	sel, err := labels.Parse(vtgateSelector(c))
	require.NoError(t, err)
	assert.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)))
	assert.Equal(t, labels.SelectorFromSet(d.Spec.Selector.MatchLabels).String(), sel.String())
	c.Spec.Vtgate = nil
	assert.Empty(t, vtgateSelector(c))
}
