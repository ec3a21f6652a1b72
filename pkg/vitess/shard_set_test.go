package vitess

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// TestShardSetSpec proves the engine is asked for every tablet, with only
// master-eligible ones eligible and one primary, planned switchovers, and
// the shard's update, failover, interval and retention policies.
func TestShardSetSpec(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(s *v1alpha1.VitessShard)
		check func(t *testing.T, spec replication.Spec)
	}{
		{"defaults", func(*v1alpha1.VitessShard) {}, func(t *testing.T, spec replication.Spec) {
			assert.False(t, spec.NoRoll)
			assert.False(t, spec.ManualFailover)
			assert.False(t, spec.Paused)
			assert.False(t, spec.DeleteClaimsOnScaleDown)
			assert.Equal(t, 30*time.Second, spec.ReconcileInterval)
			assert.Nil(t, spec.PreferredPrimary)
		}},
		{"on delete", func(s *v1alpha1.VitessShard) {
			s.Spec.UpdateStrategy = &v1alpha1.UpdateStrategy{Type: v1alpha1.UpdateOnDelete}
		}, func(t *testing.T, spec replication.Spec) { assert.True(t, spec.NoRoll) }},
		{"rolling", func(s *v1alpha1.VitessShard) {
			s.Spec.UpdateStrategy = &v1alpha1.UpdateStrategy{Type: v1alpha1.UpdateRolling}
		}, func(t *testing.T, spec replication.Spec) { assert.False(t, spec.NoRoll) }},
		{"manual failover", func(s *v1alpha1.VitessShard) {
			s.Spec.Failover = &v1alpha1.FailoverPolicy{Mode: v1alpha1.FailoverManual}
		}, func(t *testing.T, spec replication.Spec) { assert.True(t, spec.ManualFailover) }},
		{"automatic failover", func(s *v1alpha1.VitessShard) {
			s.Spec.Failover = &v1alpha1.FailoverPolicy{Mode: v1alpha1.FailoverAutomatic}
		}, func(t *testing.T, spec replication.Spec) { assert.False(t, spec.ManualFailover) }},
		{"paused, interval, delete on scale down", func(s *v1alpha1.VitessShard) {
			s.Spec.Paused = true
			s.Spec.ReconcileInterval = &metav1.Duration{Duration: time.Minute}
			s.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenScaled: common.RetentionDelete}
		}, func(t *testing.T, spec replication.Spec) {
			assert.True(t, spec.Paused)
			assert.Equal(t, time.Minute, spec.ReconcileInterval)
			assert.True(t, spec.DeleteClaimsOnScaleDown)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShard()
			tc.edit(s)
			set, err := newShardSet(s, nil, k8s.StatusWriter[*v1alpha1.VitessShard]{}, "", nil)
			require.NoError(t, err)
			spec := set.Spec()
			tablets := Tablets(s)
			require.Len(t, spec.Desired, len(tablets))
			for _, tb := range tablets {
				eligible, ok := spec.Desired[int(tb.UID)]
				require.True(t, ok, "tablet %d desired", tb.UID)
				assert.Equal(t, tb.Pool == PoolMasterEligible, eligible, "tablet %s[%d] in %s", tb.Pool, tb.Index, tb.Cell)
			}
			assert.Equal(t, 1, spec.Primaries)
			assert.True(t, spec.PlannedSwitchover)
			tc.check(t, spec)
		})
	}
}

// TestPreferredPrimary proves the vitess.io/primary annotation picks a
// tablet by alias or by pod name, and names nothing when it matches no tablet.
func TestPreferredPrimary(t *testing.T) {
	s := testShard()
	want := tabletOf(t, s, "zone2", PoolMasterEligible)
	for _, tc := range []struct {
		name, annotation string
		want             *int
	}{
		{"none", "", nil},
		{"alias", TabletAlias("zone2", want.UID), ptr(int(want.UID))},
		{"pod name", TabletPodName("vitess", "zone2", want.UID), ptr(int(want.UID))},
		{"unknown tablet", "zone3-0000000100", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShard()
			if tc.annotation != "" {
				s.Annotations = map[string]string{AnnotationPrimary: tc.annotation}
			}
			set, err := newShardSet(s, nil, k8s.StatusWriter[*v1alpha1.VitessShard]{}, "", nil)
			require.NoError(t, err)
			assert.Equal(t, tc.want, set.Spec().PreferredPrimary)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestMemberOfTabletPod proves the engine reaches a tablet through its pod's
// vttablet container and knows it by its alias; a tablet has no stable DNS
// name, and the Vitess driver needs none.
func TestMemberOfTabletPod(t *testing.T) {
	s := testShard()
	set, err := newShardSet(s, nil, k8s.StatusWriter[*v1alpha1.VitessShard]{}, "", nil)
	require.NoError(t, err)
	pods, err := TabletPods(s)
	require.NoError(t, err)
	require.Len(t, pods, 6)
	for i, p := range pods {
		if i > 0 {
			assert.Less(t, pods[i-1].Name, p.Name, "sorted by name")
		}
		m := set.Member(p)
		alias := envOf(p.Spec.Containers[0])["TABLET_ALIAS"]
		assert.Equal(t, alias, m.ID)
		assert.Empty(t, m.DNSName)
		assert.Equal(t, p.Name, m.Pod)
		assert.Equal(t, testNS, m.Namespace)
		assert.Equal(t, "vttablet", m.Container)
	}
}

// TestClaimOfRemovedTablet proves that a tablet removed from the spec
// whose pod still runs is named, with its claim, after its pod's cell, so
// that whenScaled: Delete removes the claim it really has.
func TestClaimOfRemovedTablet(t *testing.T) {
	s := testShard()
	pods, err := TabletPods(s)
	require.NoError(t, err)
	removed := pods[len(pods)-1]
	s.Spec.Cells = []string{"zone1"}
	s.Spec.Tablets.MasterEligible.Replicas = 1
	s.Spec.Tablets.Batch = nil
	set, err := newShardSet(s, nil, k8s.StatusWriter[*v1alpha1.VitessShard]{}, "", pods)
	require.NoError(t, err)
	uid := removed.Labels[replication.LabelOrdinal]
	n, err := strconv.Atoi(uid)
	require.NoError(t, err)
	_, stillAsked := set.tablets[n]
	require.False(t, stillAsked, "the test must remove tablet %s", removed.Name)
	assert.Equal(t, removed.Name, set.PodName(n))
	claims := set.Claims(n)
	require.Len(t, claims, 1)
	assert.Equal(t, "vtdataroot-"+removed.Name, claims[0].Name)
	assert.Empty(t, claims[0].OwnerReferences, "retained by default")

	s.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete}
	set, err = newShardSet(s, nil, k8s.StatusWriter[*v1alpha1.VitessShard]{}, "", pods)
	require.NoError(t, err)
	claims = set.Claims(n)
	require.Len(t, claims, 1)
	require.Len(t, claims[0].OwnerReferences, 1, "under whenDeleted: Delete a removed tablet's claim still goes with the shard")
	assert.Equal(t, s.UID, claims[0].OwnerReferences[0].UID)
}
