package k8s

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestMarkPanicked: the object says Degraded with the panic as the reason,
// keeps its other conditions, and a repeat of the same panic writes nothing
// and records no second Event.
func TestMarkPanicked(t *testing.T) {
	var writes []*v1alpha1.VitessCell
	w := StatusWriter[*v1alpha1.VitessCell]{
		Status: func(o *v1alpha1.VitessCell) any { return &o.Status },
		Update: func(_ context.Context, o *v1alpha1.VitessCell) (*v1alpha1.VitessCell, error) {
			writes = append(writes, o)
			return o, nil
		},
	}
	cell := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "zone1", Namespace: "ns"}}
	SetObjectStatus(&cell.Status.ObjectStatus, 1, common.PhaseReady,
		metav1.Condition{Type: common.ConditionReady, Status: metav1.ConditionTrue, Reason: "Running"})
	status := func(o *v1alpha1.VitessCell) *common.ObjectStatus { return &o.Status.ObjectStatus }
	rec := record.NewFakeRecorder(4)

	require.NoError(t, MarkPanicked(context.Background(), cell, w, status, rec, "runtime error: index out of range [3] with length 3"))
	require.Len(t, writes, 1)
	st := writes[0].Status
	assert.Equal(t, common.PhaseDegraded, st.Phase)
	degraded := meta.FindStatusCondition(st.Conditions, common.ConditionDegraded)
	require.NotNil(t, degraded)
	assert.Equal(t, ReasonPassPanicked, degraded.Reason)
	assert.Contains(t, degraded.Message, "index out of range")
	assert.True(t, meta.IsStatusConditionTrue(st.Conditions, common.ConditionReady), "other conditions are kept")
	assert.Contains(t, <-rec.Events, "Warning PassPanicked")

	require.NoError(t, MarkPanicked(context.Background(), writes[0], w, status, rec, "runtime error: index out of range [3] with length 3"))
	assert.Len(t, writes, 1, "the same panic again wrote status")
	assert.Empty(t, rec.Events)
}
