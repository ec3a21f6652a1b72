package vitess

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestTabletUIDDeterministicAndDistinct proves a tablet's UID depends only
// on its cell, keyspace, shard, pool and index, and that changing any one of
// the first four moves it to another base.
func TestTabletUIDDeterministicAndDistinct(t *testing.T) {
	type key struct{ cell, keyspace, shard, pool string }
	base := key{"zone1", "main", "-80", PoolMasterEligible}
	uid := func(k key, i int) uint32 { return TabletUID(k.cell, k.keyspace, k.shard, k.pool, i) }
	for _, tc := range []struct {
		name  string
		other key
	}{
		{"cell", key{"zone2", "main", "-80", PoolMasterEligible}},
		{"keyspace", key{"zone1", "customers", "-80", PoolMasterEligible}},
		{"shard", key{"zone1", "main", "80-", PoolMasterEligible}},
		{"pool", key{"zone1", "main", "-80", PoolBatch}},
		// The separator keeps shifted parts apart.
		{"shifted parts", key{"zone1m", "ain", "-80", PoolMasterEligible}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, uid(base, 0), uid(base, 0), "deterministic")
			assert.Equal(t, uid(tc.other, 3), uid(tc.other, 3), "deterministic")
			assert.NotEqual(t, uid(base, 0)/maxPoolIndex, uid(tc.other, 0)/maxPoolIndex, "same base as %+v", base)
		})
	}
}

// TestTabletUIDIndexAddsToBase proves the index is added to a base that is a
// multiple of 100, so a pool's tablets are consecutive, and that even index
// 99 stays below 2^32 without wrapping.
func TestTabletUIDIndexAddsToBase(t *testing.T) {
	for i := 0; i < 2000; i++ {
		cell, ks, shard := fmt.Sprintf("cell%d", i), fmt.Sprintf("ks%d", i%7), fmt.Sprintf("%02x-", i%256)
		for _, pool := range []string{PoolMasterEligible, PoolBatch} {
			b := TabletUID(cell, ks, shard, pool, 0)
			require.Zero(t, b%maxPoolIndex, "base %d", b)
			for _, idx := range []int{1, 31, 99} {
				u := TabletUID(cell, ks, shard, pool, idx)
				require.Equal(t, uint64(b)+uint64(idx), uint64(u), "%s/%s/%s/%s[%d]", cell, ks, shard, pool, idx)
				require.LessOrEqual(t, uint64(u), uint64(math.MaxUint32))
			}
		}
	}
}

// TestTabletAliasZeroPads proves aliases are written as Vitess writes them:
// cell, dash, UID zero-padded to ten digits.
func TestTabletAliasZeroPads(t *testing.T) {
	for _, tc := range []struct {
		cell string
		uid  uint32
		want string
	}{
		{"zone1", 0, "zone1-0000000000"},
		{"zone1", 7, "zone1-0000000007"},
		{"us-east-1", 123456700, "us-east-1-0123456700"},
		{"zone1", math.MaxUint32, "zone1-4294967295"},
	} {
		assert.Equal(t, tc.want, TabletAlias(tc.cell, tc.uid))
		assert.Equal(t, "c-vttablet-"+tc.want, TabletPodName("c", tc.cell, tc.uid))
	}
}

// TestShardObjectSuffix proves an open end of a key range is written "x"
// so the shard fits a Kubernetes name, and other shard names stay as they are.
func TestShardObjectSuffix(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"-80", "x-80"},
		{"80-", "80-x"},
		{"40-a0", "40-a0"},
		{"0", "0"},
		{"-", "x-x"},
	} {
		assert.Equal(t, tc.want, shardObjectSuffix(tc.in), tc.in)
	}
}

// TestShardName proves a shard's Vitess name is its key range as start-end,
// or its own name when it has no key range.
func TestShardName(t *testing.T) {
	kr := func(s, e string) *v1alpha1.KeyRange { return &v1alpha1.KeyRange{Start: s, End: e} }
	for _, tc := range []struct {
		spec v1alpha1.ShardSpec
		want string
	}{
		{v1alpha1.ShardSpec{KeyRange: kr("", "80")}, "-80"},
		{v1alpha1.ShardSpec{KeyRange: kr("80", "")}, "80-"},
		{v1alpha1.ShardSpec{KeyRange: kr("40", "a0")}, "40-a0"},
		{v1alpha1.ShardSpec{KeyRange: kr("", "")}, "-"},
		{v1alpha1.ShardSpec{Name: "0"}, "0"},
		{v1alpha1.ShardSpec{Name: "0", KeyRange: kr("", "80")}, "-80"},
	} {
		assert.Equal(t, tc.want, ShardName(tc.spec), "%+v", tc.spec)
	}
}

// TestObjectNamesAreValid proves every name the operator derives for the
// example clusters is accepted by the API server: objects are DNS-1123
// subdomains, pods and StatefulSets DNS-1123 labels (they become host
// names), Services DNS-1035 labels, and label values valid label values.
func TestObjectNamesAreValid(t *testing.T) {
	for _, path := range []string{myVitessYAML, twoCellsYAML} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			vc, ch := renderFile(t, path)
			subdomain := func(n string) { assert.Empty(t, validation.IsDNS1123Subdomain(n), n) }
			label := func(n string) { assert.Empty(t, validation.IsDNS1123Label(n), n) }
			service := func(n string) { assert.Empty(t, validation.IsDNS1035Label(n), n) }
			labelValues := func(l map[string]string) {
				for k, v := range l {
					assert.Empty(t, validation.IsQualifiedName(k), k)
					assert.Empty(t, validation.IsValidLabelValue(v), "%s=%s", k, v)
				}
			}
			service(VtctldService(vc.Name))
			for _, c := range ch.Cells {
				subdomain(c.Name)
				labelValues(c.Labels)
				label(EtcdName(vc.Name, c.Spec.Name))
				service(EtcdName(vc.Name, c.Spec.Name))
				service(EtcdClientService(vc.Name, c.Spec.Name))
				subdomain(VtctldName(vc.Name, c.Spec.Name))
				service(VtgateName(vc.Name, c.Spec.Name))
			}
			for _, ks := range ch.Keyspaces {
				subdomain(ks.Name)
				labelValues(ks.Labels)
				for _, s := range ch.Shards[ks.Name] {
					subdomain(s.Name)
					labelValues(s.Labels)
					pods, err := TabletPods(s)
					require.NoError(t, err)
					require.Len(t, pods, len(Tablets(s)))
					for _, p := range pods {
						label(p.Name)
						labelValues(p.Labels)
						subdomain(p.Spec.Volumes[0].PersistentVolumeClaim.ClaimName)
					}
				}
			}
		})
	}
}

// TestLongKeyRangeShardLabel proves the shard label of a shard whose key
// range bounds are as long as the schema allows (32 hex digits each) is
// still a valid label value, or that Render refuses the cluster.
func TestLongKeyRangeShardLabel(t *testing.T) {
	start, end := strings.Repeat("1", 32), strings.Repeat("f", 32)
	vc := loadCluster(t, myVitessYAML)
	vc.Spec.Keyspaces[0].Shards = []v1alpha1.ShardSpec{
		{KeyRange: &v1alpha1.KeyRange{Start: "", End: start}},
		{KeyRange: &v1alpha1.KeyRange{Start: start, End: end}},
		{KeyRange: &v1alpha1.KeyRange{Start: end, End: ""}},
	}
	ch, err := Render(vc)
	if err != nil {
		return // refused: fine, as long as it says so
	}
	for _, shards := range ch.Shards {
		for _, s := range shards {
			v := s.Labels[LabelShard]
			assert.Empty(t, validation.IsValidLabelValue(v), "shard %s label %q (%d characters)", s.Spec.Name, v, len(v))
		}
	}
}
