package vitess

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
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
			set, err := newShardSet(s, nil, k8s.StatusWriter[*v1alpha1.VitessShard]{}, "", nil)
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
		set, err := newShardSet(s, nil, k8s.StatusWriter[*v1alpha1.VitessShard]{}, "", nil)
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
		{"sidecars", func(s *v1alpha1.VitessShard) {
			s.Spec.Tablets.Defaults = &v1alpha1.TabletDefaults{Sidecars: []corev1.Container{{Name: "exporter", Image: "exporter:1"}}}
		}, map[string]bool{PoolMasterEligible: true, PoolBatch: true}},
		{"mysql credentials", func(s *v1alpha1.VitessShard) {
			s.Spec.MySQLCredentialsSecret = "vitess-mysql-credentials"
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

// TestShardPDB proves a shard lets one tablet at a time be disrupted, and
// selects every tablet of the shard, in all its cells and pools.
func TestShardPDB(t *testing.T) {
	s := testShard()
	owner := controllerRef(s, ShardKind)
	pdb := shardPDB(s, owner)
	assert.Equal(t, s.Name, pdb.Name)
	assert.Equal(t, testNS, pdb.Namespace)
	assert.Equal(t, []metav1.OwnerReference{owner}, pdb.OwnerReferences)
	assert.Nil(t, pdb.Spec.MaxUnavailable, "maxUnavailable needs the shard's scale, which the disruption controller may not resolve")
	assert.Equal(t, len(Tablets(s))-1, pdb.Spec.MinAvailable.IntValue(), "every tablet but one")
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	require.NoError(t, err)
	pods, err := TabletPods(s)
	require.NoError(t, err)
	for _, p := range pods {
		assert.True(t, sel.Matches(labels.Set(p.Labels)), p.Name)
	}
}

// TestTabletPodSidecars proves sidecars run beside vttablet and mysqld with
// the tablet's identity and, unless they set their own, the tablet
// containers' security context, and without the MySQL credentials.
func TestTabletPodSidecars(t *testing.T) {
	s := testShard()
	s.Spec.MySQLCredentialsSecret = "vitess-mysql-credentials"
	own := &corev1.SecurityContext{RunAsUser: new(int64(1000))}
	s.Spec.Tablets.Defaults = &v1alpha1.TabletDefaults{Sidecars: []corev1.Container{
		{Name: "exporter", Image: "exporter:1", Env: []corev1.EnvVar{{Name: "A", Value: "b"}},
			VolumeMounts: []corev1.VolumeMount{{Name: "vtdataroot", MountPath: "/vt/vtdataroot", ReadOnly: true}}},
		{Name: "mine", Image: "mine:1", SecurityContext: own},
	}}
	tb := tabletOf(t, s, "zone2", PoolBatch)
	pod := tabletPod(s, tb, "rev", metav1.OwnerReference{})
	require.Len(t, pod.Spec.Containers, 4)
	exporter, mine := pod.Spec.Containers[2], pod.Spec.Containers[3]
	assert.Equal(t, "exporter", exporter.Name)
	env := envOf(exporter)
	assert.Equal(t, "b", env["A"], "its own env first")
	assert.Equal(t, TabletAlias("zone2", tb.UID), env["TABLET_ALIAS"])
	assert.Equal(t, fmt.Sprintf("%010d", tb.UID), env["TABLET_UID"])
	assert.Equal(t, containerSecurityContext(), exporter.SecurityContext)
	assert.Equal(t, []corev1.VolumeMount{{Name: "vtdataroot", MountPath: "/vt/vtdataroot", ReadOnly: true}}, exporter.VolumeMounts,
		"no credentials mount")
	assert.Equal(t, own, mine.SecurityContext, "a sidecar's own security context is kept")
	assert.Empty(t, s.Spec.Tablets.Defaults.Sidecars[0].SecurityContext, "the shard's spec is not changed")
}
