package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	vtfake "github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned/fake"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// TestStatusWriterWritesOnceAndReturnsConflicts proves the Vitess kinds'
// status writer writes a changed status, writes nothing when the status
// computed is the one stored, and returns a conflict as an error the
// controller's worker recognises, instead of dropping it.
func TestStatusWriterWritesOnceAndReturnsConflicts(t *testing.T) {
	cell := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: testNS, Generation: 2}}
	client := vtfake.NewSimpleClientset(cell)
	updates := 0
	client.PrependReactor("update", "vitesscells", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" {
			updates++
		}
		return false, nil, nil
	})
	w := k8s.NewStatusWriter(client.VitessV1alpha1().VitessCells, func(o *v1alpha1.VitessCell) any { return &o.Status })
	ready := cellState{lockReady: true, vtctld: availability{ok: true}, vtgate: availability{ok: true}, registered: true}

	wrote, err := w.Write(t.Context(), cell, ready.apply)
	require.NoError(t, err)
	assert.True(t, wrote)
	stored, err := client.VitessV1alpha1().VitessCells(testNS).Get(t.Context(), "c", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, common.PhaseReady, stored.Status.Phase)

	wrote, err = w.Write(t.Context(), stored, ready.apply)
	require.NoError(t, err)
	assert.False(t, wrote, "the same status is not written again")
	assert.Equal(t, 1, updates)

	client.PrependReactor("update", "vitesscells", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewConflict(schema.GroupResource{Resource: "vitesscells"}, "c", nil)
	})
	_, err = w.Write(t.Context(), stored, cellState{}.apply)
	require.Error(t, err)
	assert.True(t, apierrors.IsConflict(err), "%v", err)
}

// TestCellStatus proves a cell is Ready only when every part serves and it
// is registered, says what is missing, and turns Degraded once it was Ready.
func TestCellStatus(t *testing.T) {
	ok := availability{ok: true, ready: 1}
	for _, tc := range []struct {
		name      string
		previous  string
		cs        cellState
		wantPhase string
		wantMsg   string
	}{
		{"ready", common.PhaseCreating, cellState{lockReady: true, vtctld: ok, vtgate: ok, registered: true}, common.PhaseReady,
			"lockserver, vtctld and vtgate ready; cell registered"},
		{"creating", "", cellState{lockMsg: "etcd x not created yet", vtctld: ok, vtgate: availability{msg: "g not created yet"}},
			common.PhaseCreating, "etcd x not created yet; g not created yet"},
		{"degraded", common.PhaseReady, cellState{lockReady: true, vtctld: ok, vtgate: availability{msg: "g: 0 of 1 ready"}, registered: true},
			common.PhaseDegraded, "g: 0 of 1 ready"},
		{"refused before it was ever ready", "", cellState{refused: "Service vitess-zone1-vtgate exists and is not owned by VitessCell vitess-zone1"},
			common.PhaseDegraded, "Service vitess-zone1-vtgate exists and is not owned by VitessCell vitess-zone1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
			next.Status.Phase = tc.previous
			tc.cs.apply(next)
			assert.Equal(t, tc.wantPhase, next.Status.Phase)
			assert.Equal(t, int64(3), next.Status.ObservedGeneration)
			assert.Equal(t, tc.wantMsg, meta.FindStatusCondition(next.Status.Conditions, common.ConditionReady).Message)
			assert.Equal(t, tc.cs.registered, isTrue(next.Status.Conditions, ConditionRegistered))
		})
	}
}

// TestKeyspaceStatus proves a keyspace is Ready when registered and every
// shard it asks for runs, and counts and names its shards.
func TestKeyspaceStatus(t *testing.T) {
	shard := func(name, phase string) *v1alpha1.VitessShard {
		s := &v1alpha1.VitessShard{Spec: v1alpha1.VitessShardSpec{Name: name}}
		s.Status.Phase = phase
		return s
	}
	for _, tc := range []struct {
		name      string
		st        keyspaceState
		wantPhase string
		wantReady int32
		wantMsg   string
	}{
		{"ready", keyspaceState{registered: true, durability: "semi_sync",
			shards: []*v1alpha1.VitessShard{shard("-80", common.PhaseReady), shard("80-", common.PhaseReady)}},
			common.PhaseReady, 2, "2 of 2 shards running"},
		{"a shard missing", keyspaceState{registered: true, shards: []*v1alpha1.VitessShard{shard("-80", common.PhaseReady)}},
			common.PhaseCreating, 1, "1 of 2 shards running"},
		{"a shard not running", keyspaceState{registered: true,
			shards: []*v1alpha1.VitessShard{shard("-80", common.PhaseReady), shard("80-", common.PhaseCreating)}},
			common.PhaseCreating, 1, "shards not running: 80-"},
		{"shards not running named in order", keyspaceState{registered: true,
			shards: []*v1alpha1.VitessShard{shard("80-", common.PhaseCreating), shard("-80", common.PhaseCreating)}},
			common.PhaseCreating, 0, "shards not running: -80, 80-"},
		{"not registered", keyspaceState{regMsg: "waiting for the global topology"},
			common.PhaseCreating, 0, "waiting for the global topology"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &v1alpha1.VitessKeyspace{}
			next.Spec.Shards = []v1alpha1.ShardSpec{{Name: "-80"}, {Name: "80-"}}
			tc.st.apply(next)
			assert.Equal(t, tc.wantPhase, next.Status.Phase)
			assert.Equal(t, int32(2), next.Status.Shards)
			assert.Equal(t, tc.wantReady, next.Status.ReadyShards)
			assert.Equal(t, tc.st.durability, next.Status.DurabilityPolicy)
			assert.Equal(t, tc.wantMsg, meta.FindStatusCondition(next.Status.Conditions, common.ConditionReady).Message)
		})
	}
}

// TestClusterStatus proves the cluster's roll-up: Ready when every cell and
// shard is, Paused while paused, Degraded on a spec it refuses, and kept
// shards named.
func TestClusterStatus(t *testing.T) {
	for _, tc := range []struct {
		name      string
		paused    bool
		ru        rollup
		wantPhase string
		wantMsg   string
	}{
		{"ready", false, rollup{cells: 2, readyCells: 2, shards: 1, readyShards: 1}, common.PhaseReady, "2 cells and 1 shards ready"},
		{"waiting", false, rollup{cells: 2, readyCells: 1, waiting: []string{"cell zone1"}}, common.PhaseCreating, "not ready: cell zone1"},
		{"refused", false, rollup{refused: "no global cell"}, common.PhaseDegraded, "no global cell"},
		{"paused", true, rollup{cells: 1, readyCells: 1}, common.PhasePaused, "1 cells and 0 shards ready"},
		{"kept", false, rollup{cells: 1, readyCells: 1, retained: []string{"main/-80"}}, common.PhaseReady,
			"kept until drained, since they still run tablets: main/-80"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &v1alpha1.VitessCluster{}
			next.Spec.Paused = tc.paused
			tc.ru.apply(next)
			assert.Equal(t, tc.wantPhase, next.Status.Phase)
			assert.Equal(t, tc.ru.cells, next.Status.Cells)
			assert.Equal(t, tc.ru.readyShards, next.Status.ReadyShards)
			assert.Equal(t, tc.wantMsg, meta.FindStatusCondition(next.Status.Conditions, common.ConditionReady).Message)
		})
	}
}
