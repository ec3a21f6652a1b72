package vitess

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// Example clusters, relative to this package.
const (
	myVitessYAML = "../../example/my-vitess.yaml"
	twoCellsYAML = "../../test/e2e/testdata/two-cells.yaml"
	testNS       = "vt-ns"
)

// loadCluster reads a VitessCluster manifest strictly, so a field the API
// does not know fails the test, and places it in testNS with a UID.
func loadCluster(t *testing.T, path string) *v1alpha1.VitessCluster {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	vc := &v1alpha1.VitessCluster{}
	require.NoError(t, yaml.UnmarshalStrict(data, vc), path)
	vc.Namespace = testNS
	vc.UID = types.UID("uid-" + vc.Name)
	return vc
}

// renderFile loads and renders an example cluster.
func renderFile(t *testing.T, path string) (*v1alpha1.VitessCluster, Children) {
	t.Helper()
	vc := loadCluster(t, path)
	ch, err := Render(vc)
	require.NoError(t, err, path)
	return vc, ch
}

// cellByName finds a rendered cell.
func cellByName(t *testing.T, ch Children, cell string) *v1alpha1.VitessCell {
	t.Helper()
	for _, c := range ch.Cells {
		if c.Spec.Name == cell {
			return c
		}
	}
	t.Fatalf("no rendered cell %s", cell)
	return nil
}

// TestRenderCellsOwnedByCluster proves Render makes one VitessCell per spec
// cell, named after the cluster, controlled by the cluster and labelled with
// the template's and the operator's labels.
func TestRenderCellsOwnedByCluster(t *testing.T) {
	for _, path := range []string{myVitessYAML, twoCellsYAML} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			vc, ch := renderFile(t, path)
			require.Len(t, ch.Cells, len(vc.Spec.Cells))
			for i, c := range ch.Cells {
				spec := vc.Spec.Cells[i]
				assert.Equal(t, CellObjectName(vc.Name, spec.Name), c.Name)
				assert.Equal(t, testNS, c.Namespace)
				assert.Equal(t, vc.Name, c.Spec.Cluster)
				assert.Equal(t, withDefaultAuth(vc.Name, spec), c.Spec.CellSpec, "the cluster's cell, with vtgate's generated Secret by default")
				require.Len(t, c.OwnerReferences, 1)
				ref := c.OwnerReferences[0]
				assert.Equal(t, "VitessCluster", ref.Kind)
				assert.Equal(t, "vitess.io/v1alpha1", ref.APIVersion)
				assert.Equal(t, vc.Name, ref.Name)
				assert.Equal(t, vc.UID, ref.UID)
				require.NotNil(t, ref.Controller)
				assert.True(t, *ref.Controller)
				assert.Equal(t, vc.Name, c.Labels[LabelCluster])
				assert.Equal(t, spec.Name, c.Labels[LabelCell])
				if vc.Spec.Template != nil {
					for k, v := range vc.Spec.Template.Metadata.Labels {
						assert.Equal(t, v, c.Labels[k], "template label %s", k)
					}
				}
			}
		})
	}
}

// TestRenderTopology proves each cell finds the global topology on the
// global cell's etcd and its own on its own etcd, or else in a directory of
// the global one; keyspaces and shards see only the global topology.
func TestRenderTopology(t *testing.T) {
	global := func(cluster string) v1alpha1.TopologySpec {
		return v1alpha1.TopologySpec{Implementation: "etcd2",
			GlobalServerAddress: cluster + "-etcd-global-client." + testNS + ".svc:2379",
			GlobalRoot:          "/vitess/" + cluster + "/global"}
	}
	withCell := func(t v1alpha1.TopologySpec, addr, root string) v1alpha1.TopologySpec {
		t.CellServerAddress, t.CellRoot = addr, root
		return t
	}
	for _, tc := range []struct {
		path, cell string
		want       v1alpha1.TopologySpec
	}{
		{myVitessYAML, "global", global("vitess")},
		{myVitessYAML, "zone1", withCell(global("vitess"), "vitess-etcd-zone1-client."+testNS+".svc:2379", "/vitess/vitess/zone1")},
		{twoCellsYAML, "global", global("shop")},
		{twoCellsYAML, "zone1", withCell(global("shop"), "shop-etcd-zone1-client."+testNS+".svc:2379", "/vitess/shop/zone1")},
		{twoCellsYAML, "zone2", withCell(global("shop"), "shop-etcd-global-client."+testNS+".svc:2379", "/vitess/shop/zone2")},
	} {
		t.Run(filepath.Base(tc.path)+"/"+tc.cell, func(t *testing.T) {
			vc, ch := renderFile(t, tc.path)
			assert.Equal(t, tc.want, cellByName(t, ch, tc.cell).Spec.Topology)
			for _, ks := range ch.Keyspaces {
				assert.Equal(t, global(vc.Name), ks.Spec.Topology, ks.Name)
				for _, s := range ch.Shards[ks.Name] {
					assert.Equal(t, global(vc.Name), s.Spec.Topology, s.Name)
				}
			}
		})
	}
}

// TestTopologyExternalLockserver proves an external lockserver is used as
// given (implementation defaulting to etcd2), that a cell without one lives
// under the global server, and that mixing implementations is refused.
func TestTopologyExternalLockserver(t *testing.T) {
	ext := func(impl, addr, root string) *v1alpha1.LockserverSpec {
		return &v1alpha1.LockserverSpec{External: v1alpha1.ExternalLockserver{Implementation: impl, Address: addr, RootPath: root}}
	}
	cluster := func(globalLS, cellLS *v1alpha1.LockserverSpec) *v1alpha1.VitessCluster {
		return &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: v1alpha1.VitessClusterSpec{Cells: []v1alpha1.CellSpec{
			{Name: "global", Lockserver: globalLS}, {Name: "zone1", Lockserver: cellLS}, {Name: "zone2"},
		}}}
	}
	for _, tc := range []struct {
		name         string
		vc           *v1alpha1.VitessCluster
		cell         string
		want         v1alpha1.TopologySpec
		wantErrParts []string
	}{{
		name: "global external", vc: cluster(ext("zk2", "zk:2181", "/vt/global"), nil), cell: "global",
		want: v1alpha1.TopologySpec{Implementation: "zk2", GlobalServerAddress: "zk:2181", GlobalRoot: "/vt/global"},
	}, {
		name: "cell external", vc: cluster(ext("zk2", "zk:2181", "/vt/global"), ext("zk2", "zk1:2181", "/vt/zone1")), cell: "zone1",
		want: v1alpha1.TopologySpec{Implementation: "zk2", GlobalServerAddress: "zk:2181", GlobalRoot: "/vt/global",
			CellServerAddress: "zk1:2181", CellRoot: "/vt/zone1"},
	}, {
		name: "cell under external global", vc: cluster(ext("zk2", "zk:2181", "/vt/global"), nil), cell: "zone2",
		want: v1alpha1.TopologySpec{Implementation: "zk2", GlobalServerAddress: "zk:2181", GlobalRoot: "/vt/global",
			CellServerAddress: "zk:2181", CellRoot: "/vitess/c/zone2"},
	}, {
		name: "implementation defaults to etcd2", vc: cluster(ext("", "etcd:2379", "/g"), nil), cell: "global",
		want: v1alpha1.TopologySpec{Implementation: "etcd2", GlobalServerAddress: "etcd:2379", GlobalRoot: "/g"},
	}, {
		name: "mixed implementations", vc: cluster(ext("zk2", "zk:2181", "/g"), ext("etcd2", "e:2379", "/c")), cell: "zone1",
		wantErrParts: []string{"zone1", "etcd2", "zk2"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Topology(tc.vc, tc.cell)
			if tc.wantErrParts != nil {
				require.Error(t, err)
				for _, p := range tc.wantErrParts {
					assert.Contains(t, err.Error(), p)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestRenderKeyspaceWithoutShardsGetsShardZero proves a keyspace that lists
// no shards is rendered as the unsharded shard "0".
func TestRenderKeyspaceWithoutShardsGetsShardZero(t *testing.T) {
	_, ch := renderFile(t, twoCellsYAML)
	name := KeyspaceObjectName("shop", "catalog")
	var ks *v1alpha1.VitessKeyspace
	for _, k := range ch.Keyspaces {
		if k.Name == name {
			ks = k
		}
	}
	require.NotNil(t, ks)
	assert.Equal(t, []v1alpha1.ShardSpec{{Name: "0"}}, ks.Spec.Shards)
	require.Len(t, ch.Shards[name], 1)
	s := ch.Shards[name][0]
	assert.Equal(t, "shop-catalog-0", s.Name)
	assert.Equal(t, "0", s.Spec.Name)
	assert.Nil(t, s.Spec.KeyRange)
}

// TestRenderShardsSpanKeyspaceCells proves every shard of a keyspace spans
// the keyspace's cells, copies its tablets (not aliasing them) and carries
// the cluster's policies; shards get no owner until their keyspace exists.
func TestRenderShardsSpanKeyspaceCells(t *testing.T) {
	for _, tc := range []struct {
		path, keyspace string
		wantObjects    []string
		wantNames      []string
	}{
		{myVitessYAML, "main", []string{"vitess-main-x-80", "vitess-main-80-x"}, []string{"-80", "80-"}},
		{twoCellsYAML, "customers", []string{"shop-customers-x-40", "shop-customers-40-a0", "shop-customers-a0-x"}, []string{"-40", "40-a0", "a0-"}},
		{twoCellsYAML, "catalog", []string{"shop-catalog-0"}, []string{"0"}},
	} {
		t.Run(filepath.Base(tc.path)+"/"+tc.keyspace, func(t *testing.T) {
			vc := loadCluster(t, tc.path)
			vc.Spec.Paused = true
			vc.Spec.Failover = &v1alpha1.FailoverPolicy{Mode: v1alpha1.FailoverManual}
			ch, err := Render(vc)
			require.NoError(t, err)
			var spec v1alpha1.KeyspaceSpec
			for _, k := range vc.Spec.Keyspaces {
				if k.Name == tc.keyspace {
					spec = k
				}
			}
			shards := ch.Shards[KeyspaceObjectName(vc.Name, tc.keyspace)]
			require.Len(t, shards, len(tc.wantObjects))
			for i, s := range shards {
				assert.Equal(t, tc.wantObjects[i], s.Name)
				assert.Equal(t, tc.wantNames[i], s.Spec.Name)
				assert.Equal(t, tc.keyspace, s.Spec.Keyspace)
				assert.Equal(t, spec.Cells, s.Spec.Cells)
				assert.Equal(t, spec.Tablets, s.Spec.Tablets)
				assert.Empty(t, s.OwnerReferences)
				assert.True(t, s.Spec.Paused)
				assert.Equal(t, vc.Spec.Failover, s.Spec.Failover)
				assert.Equal(t, shardLabel(s.Spec.Name), s.Labels[LabelShard])
				assert.Equal(t, tc.keyspace, s.Labels[LabelKeyspace])
				// A copy: editing the shard leaves the cluster's spec alone.
				s.Spec.Cells[0] = "elsewhere"
				s.Spec.Tablets.MasterEligible.Replicas = 99
				assert.NotEqual(t, "elsewhere", spec.Cells[0])
				assert.NotEqual(t, int32(99), spec.Tablets.MasterEligible.Replicas)
			}
		})
	}
}

// TestRenderTabletCells proves every cell learns the sorted cells that run
// tablets (for vtgate's cells-to-watch) and the keyspaces in itself.
func TestRenderTabletCells(t *testing.T) {
	for _, tc := range []struct {
		path          string
		tabletCells   []string
		cellKeyspaces map[string][]string
	}{
		{myVitessYAML, []string{"zone1"}, map[string][]string{"global": nil, "zone1": {"main"}}},
		{twoCellsYAML, []string{"zone1", "zone2"}, map[string][]string{"global": nil,
			"zone1": {"customers", "catalog"}, "zone2": {"customers", "catalog"}}},
	} {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			_, ch := renderFile(t, tc.path)
			for cell, ks := range tc.cellKeyspaces {
				c := cellByName(t, ch, cell)
				assert.Equal(t, tc.tabletCells, c.Spec.TabletCells, cell)
				assert.Equal(t, ks, c.Spec.Keyspaces, cell)
			}
		})
	}
}

// TestRenderRefusesClusterWithoutGlobalLockserver proves Render fails, saying
// why, when the global topology has nowhere to live.
func TestRenderRefusesClusterWithoutGlobalLockserver(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(vc *v1alpha1.VitessCluster)
		wants string
	}{
		{"global cell without etcd", func(vc *v1alpha1.VitessCluster) { vc.Spec.Cells[0].Etcd = nil },
			"spec.cells[global] needs etcd or lockserver.external"},
		{"no global cell", func(vc *v1alpha1.VitessCluster) { vc.Spec.Cells = vc.Spec.Cells[1:] },
			"spec.cells has no cell named global"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc := loadCluster(t, myVitessYAML)
			require.Equal(t, "global", vc.Spec.Cells[0].Name)
			tc.edit(vc)
			ch, err := Render(vc)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wants)
			assert.Empty(t, ch.Cells)
		})
	}
}

// collidingShards searches shard names of one keyspace for two whose
// tablets hash to the same UID in cell zone1, a real FNV collision.
func collidingShards(t *testing.T) (string, string) {
	t.Helper()
	seen := map[uint32]string{}
	for i := 0; i < 1_000_000; i++ {
		name := fmt.Sprintf("s%d", i)
		uid := TabletUID("zone1", "ks", name, PoolMasterEligible, 0)
		if other, ok := seen[uid]; ok {
			return other, name
		}
		seen[uid] = name
	}
	t.Fatal("no colliding shard names found")
	return "", ""
}

// TestCheckUIDsNamesBothTablets proves CheckUIDs refuses two tablets that
// would share an alias, naming both and the alias, and accepts the examples.
func TestCheckUIDsNamesBothTablets(t *testing.T) {
	shard := func(name string) *v1alpha1.VitessShard {
		return &v1alpha1.VitessShard{Spec: v1alpha1.VitessShardSpec{Keyspace: "ks", Name: name, Cells: []string{"zone1"},
			Tablets: v1alpha1.TabletsSpec{MasterEligible: &v1alpha1.TabletPool{Replicas: 1}}}}
	}
	a, b := collidingShards(t)
	require.Equal(t, TabletUID("zone1", "ks", a, PoolMasterEligible, 0), TabletUID("zone1", "ks", b, PoolMasterEligible, 0))
	for _, tc := range []struct {
		name   string
		shards map[string][]*v1alpha1.VitessShard
		wants  []string
	}{
		{"identical shards", map[string][]*v1alpha1.VitessShard{"c-ks": {shard("0"), shard("0")}},
			[]string{"ks/0 zone1 masterEligible[0] and ks/0 zone1 masterEligible[0]",
				TabletAlias("zone1", TabletUID("zone1", "ks", "0", PoolMasterEligible, 0))}},
		{"hash collision", map[string][]*v1alpha1.VitessShard{"c-ks": {shard(a)}, "c-ks2": {shard(b)}},
			[]string{"ks/" + a + " zone1 masterEligible[0]", "ks/" + b + " zone1 masterEligible[0]",
				TabletAlias("zone1", TabletUID("zone1", "ks", a, PoolMasterEligible, 0))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckUIDs(Children{Shards: tc.shards})
			require.Error(t, err)
			for _, w := range tc.wants {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
	for _, path := range []string{myVitessYAML, twoCellsYAML} {
		_, ch := renderFile(t, path)
		assert.NoError(t, CheckUIDs(ch), path)
	}
}

// TestRenderShardObjectNamesUnique proves two shards of one cluster never
// render to the same VitessShard name: Render either names them apart or
// refuses the cluster, instead of letting two shards fight over one object.
func TestRenderShardObjectNamesUnique(t *testing.T) {
	kr := func(s, e string) v1alpha1.ShardSpec {
		return v1alpha1.ShardSpec{KeyRange: &v1alpha1.KeyRange{Start: s, End: e}}
	}
	one := v1alpha1.TabletsSpec{MasterEligible: &v1alpha1.TabletPool{Replicas: 1}}
	vc := &v1alpha1.VitessCluster{
		ObjectMeta: metav1.ObjectMeta{Name: "c", Namespace: testNS},
		Spec: v1alpha1.VitessClusterSpec{
			Cells: []v1alpha1.CellSpec{{Name: "global", Etcd: &v1alpha1.EtcdSpec{}}, {Name: "zone1"}},
			Keyspaces: []v1alpha1.KeyspaceSpec{
				{Name: "a", Cells: []string{"zone1"}, Shards: []v1alpha1.ShardSpec{kr("", "80"), kr("80", "c0"), kr("c0", "")}, Tablets: one},
				{Name: "a-80", Cells: []string{"zone1"}, Shards: []v1alpha1.ShardSpec{{Name: "c0"}}, Tablets: one},
			},
		},
	}
	ch, err := Render(vc)
	if err != nil {
		return // refused: fine, as long as it says so
	}
	seen := map[string]string{}
	for ks, shards := range ch.Shards {
		for _, s := range shards {
			other, dup := seen[s.Name]
			assert.False(t, dup, "VitessShard %s rendered for keyspace objects %s and %s", s.Name, other, ks)
			seen[s.Name] = ks
		}
	}
}
