package vitess

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// testShard is shard -80 of keyspace main in cells zone1 and zone2, with two
// master-eligible tablets and one batch tablet in each.
func testShard() *v1alpha1.VitessShard {
	return &v1alpha1.VitessShard{
		ObjectMeta: metav1.ObjectMeta{Name: "vitess-main-x-80", Namespace: testNS, UID: "shard-uid"},
		Spec: v1alpha1.VitessShardSpec{
			Cluster: "vitess", Keyspace: "main", Name: "-80", Cells: []string{"zone1", "zone2"},
			Tablets: v1alpha1.TabletsSpec{
				MasterEligible: &v1alpha1.TabletPool{Replicas: 2},
				Batch:          &v1alpha1.TabletPool{Replicas: 1},
			},
			Topology: v1alpha1.TopologySpec{Implementation: "etcd2", GlobalServerAddress: "g:2379", GlobalRoot: "/vitess/vitess/global"},
		},
	}
}

// tabletOf returns the first tablet of pool in cell.
func tabletOf(t *testing.T, s *v1alpha1.VitessShard, cell, pool string) Tablet {
	t.Helper()
	for _, tb := range Tablets(s) {
		if tb.Cell == cell && tb.Pool == pool {
			return tb
		}
	}
	t.Fatalf("no %s tablet in %s", pool, cell)
	return Tablet{}
}

// flagValues parses --name=value arguments, failing on a repeated flag.
func flagValues(t *testing.T, args []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, a := range args {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		require.True(t, ok && strings.HasPrefix(a, "--"), "argument %q", a)
		_, dup := out[name]
		require.False(t, dup, "flag %s given twice", name)
		out[name] = value
	}
	return out
}

// envOf returns a container's plain environment values.
func envOf(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		out[e.Name] = e.Value
	}
	return out
}

// TestTabletPod proves a replica and an rdonly tablet run vttablet and
// mysqld with the right tablet type and alias, that vttablet reaches
// mysqlctld at the socket mysqlctld listens on, that both containers carry
// the tablet's identity, and that the data claim is named after the pod.
func TestTabletPod(t *testing.T) {
	for _, tc := range []struct {
		pool, cell, tabletType string
	}{
		{PoolMasterEligible, "zone1", "replica"},
		{PoolBatch, "zone2", "rdonly"},
	} {
		t.Run(tc.pool, func(t *testing.T) {
			s := testShard()
			tb := tabletOf(t, s, tc.cell, tc.pool)
			alias := TabletAlias(tc.cell, tb.UID)
			pod := tabletPod(s, tb, "rev1", metav1.OwnerReference{Kind: ShardKind, Name: s.Name})
			assert.Equal(t, TabletPodName("vitess", tc.cell, tb.UID), pod.Name)
			assert.Equal(t, testNS, pod.Namespace)
			require.Len(t, pod.Spec.Containers, 2)
			vt, my := pod.Spec.Containers[0], pod.Spec.Containers[1]
			assert.Equal(t, "vttablet", vt.Name)
			assert.Equal(t, "mysqld", my.Name)
			assert.Equal(t, Image, vt.Image)

			vf, mf := flagValues(t, vt.Args), flagValues(t, my.Args)
			assert.Equal(t, tc.tabletType, vf["init-tablet-type"])
			assert.Equal(t, alias, vf["tablet-path"])
			assert.Equal(t, "main", vf["init-keyspace"])
			assert.Equal(t, "-80", vf["init-shard"])
			assert.Equal(t, "g:2379", vf["topo-global-server-address"])
			assert.NotEmpty(t, mf["socket-file"])
			assert.Equal(t, mf["socket-file"], vf["mysqlctl-socket"])
			assert.Equal(t, alias, tc.cell+"-"+leftPad10(mf["tablet-uid"]))

			for _, c := range []corev1.Container{vt, my} {
				env := envOf(c)
				assert.Equal(t, alias, env["TABLET_ALIAS"], c.Name)
				assert.Equal(t, alias[len(tc.cell)+1:], env["TABLET_UID"], c.Name)
				assert.Equal(t, tc.cell, env["TABLET_CELL"], c.Name)
				assert.Equal(t, "main", env["TABLET_KEYSPACE"], c.Name)
				assert.Equal(t, "-80", env["TABLET_SHARD"], c.Name)
				assert.Equal(t, tc.tabletType, env["TABLET_TYPE"], c.Name)
			}
			require.NotEmpty(t, pod.Spec.Volumes)
			claim := pod.Spec.Volumes[0].PersistentVolumeClaim
			require.NotNil(t, claim)
			assert.Equal(t, "vtdataroot-"+pod.Name, claim.ClaimName)
			assert.Equal(t, tc.pool, pod.Labels[LabelPool])
			assert.Equal(t, "x-80", pod.Labels[LabelShard])
			assert.Equal(t, "rev1", pod.Labels[replication.LabelRevision])
		})
	}
}

// leftPad10 zero-pads a decimal to ten digits, as Vitess writes UIDs.
func leftPad10(s string) string { return strings.Repeat("0", 10-len(s)) + s }

// TestTabletPodUserFlagsOverride proves a pool's vttablet and mysql flags
// replace the operator's flags of the same name, once, and add new ones.
func TestTabletPodUserFlagsOverride(t *testing.T) {
	s := testShard()
	s.Spec.Tablets.MasterEligible.Vttablet = &v1alpha1.TabletContainer{Image: "vt:custom",
		Flags: map[string]string{"port": "16000", "queryserver-config-pool-size": "8"}}
	s.Spec.Tablets.MasterEligible.Mysql = &v1alpha1.TabletContainer{Flags: map[string]string{"db-dba-user": "root"}}
	pod := tabletPod(s, tabletOf(t, s, "zone1", PoolMasterEligible), "r", metav1.OwnerReference{})
	vf, mf := flagValues(t, pod.Spec.Containers[0].Args), flagValues(t, pod.Spec.Containers[1].Args)
	assert.Equal(t, "16000", vf["port"])
	assert.Equal(t, "8", vf["queryserver-config-pool-size"])
	assert.Equal(t, "replica", vf["init-tablet-type"], "operator flags stay")
	assert.Equal(t, "root", mf["db-dba-user"])
	assert.Equal(t, "vt:custom", pod.Spec.Containers[0].Image)
	assert.Equal(t, Image, pod.Spec.Containers[1].Image)

	batch := tabletPod(s, tabletOf(t, s, "zone1", PoolBatch), "r", metav1.OwnerReference{})
	assert.Equal(t, "15000", flagValues(t, batch.Spec.Containers[0].Args)["port"], "flags are per pool")
}

// TestTabletClaim proves a tablet's claim defaults to 10Gi ReadWriteOnce,
// follows the shard's volume claim template, and is owned by the shard only
// when the retention policy deletes claims with it.
func TestTabletClaim(t *testing.T) {
	for _, tc := range []struct {
		name      string
		policy    *common.PVCRetentionPolicy
		claim     *corev1.PersistentVolumeClaimSpec
		wantSize  string
		wantOwner bool
	}{
		{name: "defaults", wantSize: "10Gi"},
		{name: "retain", policy: &common.PVCRetentionPolicy{WhenDeleted: common.RetentionRetain}, wantSize: "10Gi"},
		{name: "delete when scaled only", policy: &common.PVCRetentionPolicy{WhenScaled: common.RetentionDelete}, wantSize: "10Gi"},
		{name: "delete with shard", policy: &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete}, wantSize: "10Gi", wantOwner: true},
		{name: "template", claim: &corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("4Gi")}},
		}, wantSize: "4Gi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShard()
			s.Spec.PersistentVolumeClaimRetentionPolicy = tc.policy
			if tc.claim != nil {
				s.Spec.Tablets.Defaults = &v1alpha1.TabletDefaults{VolumeClaim: tc.claim}
			}
			set, err := newShardSet(s, nil, nil, "")
			require.NoError(t, err)
			tb := tabletOf(t, s, "zone2", PoolBatch)
			claims := set.Claims(int(tb.UID))
			require.Len(t, claims, 1)
			c := claims[0]
			assert.Equal(t, "vtdataroot-"+TabletPodName("vitess", "zone2", tb.UID), c.Name)
			assert.Equal(t, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, c.Spec.AccessModes)
			size := c.Spec.Resources.Requests[corev1.ResourceStorage]
			assert.Equal(t, tc.wantSize, size.String())
			if tc.wantOwner {
				require.Len(t, c.OwnerReferences, 1)
				assert.Equal(t, ShardKind, c.OwnerReferences[0].Kind)
				assert.Equal(t, s.UID, c.OwnerReferences[0].UID)
			} else {
				assert.Empty(t, c.OwnerReferences)
			}
		})
	}
}

// TestPoolRevisions proves each pool has its own revision: editing one
// pool's containers rolls only that pool's tablets, and shared settings
// roll all of them.
func TestPoolRevisions(t *testing.T) {
	revs := func(s *v1alpha1.VitessShard) map[string]string {
		set, err := newShardSet(s, nil, nil, "")
		require.NoError(t, err)
		byPool := map[string]string{}
		for _, tb := range Tablets(s) {
			rev := set.Spec().MemberRevisions[int(tb.UID)]
			require.NotEmpty(t, rev)
			if prev, ok := byPool[tb.Pool]; ok {
				require.Equal(t, prev, rev, "one revision per pool")
			}
			byPool[tb.Pool] = rev
		}
		return byPool
	}
	base := revs(testShard())
	assert.NotEqual(t, base[PoolMasterEligible], base[PoolBatch])
	for _, tc := range []struct {
		name        string
		edit        func(s *v1alpha1.VitessShard)
		wantChanged map[string]bool
	}{
		{"nothing", func(*v1alpha1.VitessShard) {}, map[string]bool{}},
		{"batch image", func(s *v1alpha1.VitessShard) {
			s.Spec.Tablets.Batch.Vttablet = &v1alpha1.TabletContainer{Image: "vitess/lite:v25.0.0"}
		}, map[string]bool{PoolBatch: true}},
		{"master-eligible mysql flags", func(s *v1alpha1.VitessShard) {
			s.Spec.Tablets.MasterEligible.Mysql = &v1alpha1.TabletContainer{Flags: map[string]string{"a": "b"}}
		}, map[string]bool{PoolMasterEligible: true}},
		{"replica count", func(s *v1alpha1.VitessShard) { s.Spec.Tablets.Batch.Replicas = 3 }, map[string]bool{}},
		{"default image", func(s *v1alpha1.VitessShard) {
			s.Spec.Tablets.Defaults = &v1alpha1.TabletDefaults{Image: "vitess/lite:v25.0.0"}
		}, map[string]bool{PoolMasterEligible: true, PoolBatch: true}},
		{"backup flags", func(s *v1alpha1.VitessShard) {
			s.Spec.BackupFlags = map[string]string{"backup-storage-implementation": "file"}
		}, map[string]bool{PoolMasterEligible: true, PoolBatch: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShard()
			tc.edit(s)
			got := revs(s)
			for _, pool := range []string{PoolMasterEligible, PoolBatch} {
				assert.Equal(t, tc.wantChanged[pool], got[pool] != base[pool], pool)
			}
		})
	}
}

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
			set, err := newShardSet(s, nil, nil, "")
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
			set, err := newShardSet(s, nil, nil, "")
			require.NoError(t, err)
			assert.Equal(t, tc.want, set.Spec().PreferredPrimary)
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestMemberOfTabletPod proves the engine reaches a tablet through its pod's
// vttablet container and knows it by its alias.
func TestMemberOfTabletPod(t *testing.T) {
	s := testShard()
	set, err := newShardSet(s, nil, nil, "")
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
		assert.Equal(t, alias, m.DNSName)
		assert.Equal(t, p.Name, m.Pod)
		assert.Equal(t, testNS, m.Namespace)
		assert.Equal(t, "vttablet", m.Container)
	}
}
