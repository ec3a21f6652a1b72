package vitess

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestValidateShard proves the operator refuses, naming the field, a
// VitessShard written by hand (or stored before the schema held it) that it
// cannot run: a keyspace vtctldclient would read as a flag, a named shard
// Vitess would read as a key range, names that would not fit, no primary.
func TestValidateShard(t *testing.T) {
	kr := func(s *v1alpha1.VitessShard) { s.Spec.KeyRange = &v1alpha1.KeyRange{End: "80"} }
	for _, tc := range []struct {
		name  string
		edit  func(*v1alpha1.VitessShard)
		field string // "" when valid
	}{
		{"ranged", kr, ""},
		{"named", func(s *v1alpha1.VitessShard) { s.Spec.Name = "0" }, ""},
		{"keyspace read as a flag", func(s *v1alpha1.VitessShard) { kr(s); s.Spec.Keyspace = "--x" }, "spec.keyspace"},
		{"named shard with a dash", func(s *v1alpha1.VitessShard) { s.Spec.Name = "a-b" }, "spec.name"},
		{"name not its key range", func(s *v1alpha1.VitessShard) { kr(s); s.Spec.Name = "80-" }, "spec.name"},
		{"upper-case key range bound", func(s *v1alpha1.VitessShard) {
			s.Spec.KeyRange = &v1alpha1.KeyRange{Start: "A0"}
			s.Spec.Name = "A0-"
		}, "spec.keyRange.start"},
		{"cluster with a dot", func(s *v1alpha1.VitessShard) { kr(s); s.Spec.Cluster = "a.b" }, "spec.cluster"},
		{"cluster and cell too long", func(s *v1alpha1.VitessShard) {
			kr(s)
			s.Spec.Cluster = strings.Repeat("c", 24)
			s.Spec.Cells = []string{strings.Repeat("z", 19)}
		}, "spec.cells[0]"},
		{"tablets in global", func(s *v1alpha1.VitessShard) { kr(s); s.Spec.Cells = []string{"global"} }, "spec.cells[0]"},
		{"no master-eligible tablet", func(s *v1alpha1.VitessShard) { kr(s); s.Spec.Tablets.MasterEligible = nil },
			"spec.tablets.masterEligible.replicas"},
		{"too many tablets", func(s *v1alpha1.VitessShard) {
			kr(s)
			s.Spec.Tablets.MasterEligible.Replicas = 32
		}, "spec.tablets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := testShard()
			tc.edit(s)
			got := ValidateShard(s)
			if tc.field == "" {
				assert.Empty(t, got)
				return
			}
			assert.True(t, strings.HasPrefix(got, tc.field+": "), "%q does not start with %s", got, tc.field)
		})
	}
}

// TestRenderRefusesWhatTheSchemaRefuses proves a cluster stored before the
// schema held these rules is refused with the field named, not run.
func TestRenderRefusesWhatTheSchemaRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(*v1alpha1.VitessCluster)
		field string
	}{
		{"name with a dot", func(vc *v1alpha1.VitessCluster) { vc.Name = "my.vitess" }, "metadata.name"},
		{"cluster and cell too long", func(vc *v1alpha1.VitessCluster) {
			vc.Name = strings.Repeat("v", 24)
			vc.Spec.Cells[1].Name = strings.Repeat("z", 19)
			vc.Spec.Keyspaces[0].Cells = []string{vc.Spec.Cells[1].Name}
		}, "spec.cells[1].name"},
		{"no master-eligible tablet", func(vc *v1alpha1.VitessCluster) { vc.Spec.Keyspaces[0].Tablets.MasterEligible.Replicas = 0 },
			"spec.keyspaces[0].tablets.masterEligible.replicas"},
		{"named shard with a dash", func(vc *v1alpha1.VitessCluster) {
			vc.Spec.Keyspaces[0].Shards = []v1alpha1.ShardSpec{{Name: "a-b"}}
		}, "spec.keyspaces[0].shards[0].name"},
		// Found by FuzzValidateCluster: the bound becomes part of the shard's object name.
		{"upper-case key range bound", func(vc *v1alpha1.VitessCluster) {
			vc.Spec.Keyspaces[0].Shards[1].KeyRange.Start = "8A"
		}, "spec.keyspaces[0].shards[1].keyRange.start"},
		{"too many shards", func(vc *v1alpha1.VitessCluster) {
			vc.Spec.Keyspaces[0].Shards = nil
			for i := range MaxShards + 1 {
				vc.Spec.Keyspaces[0].Shards = append(vc.Spec.Keyspaces[0].Shards, v1alpha1.ShardSpec{Name: fmt.Sprint(i)})
			}
		}, "spec.keyspaces"},
		{"many problems, a few listed", func(vc *v1alpha1.VitessCluster) {
			for i := range 8 {
				vc.Spec.Keyspaces[0].Shards = append(vc.Spec.Keyspaces[0].Shards, v1alpha1.ShardSpec{Name: fmt.Sprintf("s-%d", i)})
			}
		}, "and 3 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc := loadCluster(t, myVitessYAML)
			tc.edit(vc)
			_, err := Render(vc)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.field)
		})
	}
}

// TestValidateKeyspace proves a VitessKeyspace stored before the schema
// refused it is not registered when its name would reach vtctldclient's
// command line as a flag, and that the status says so.
func TestValidateKeyspace(t *testing.T) {
	ks := &v1alpha1.VitessKeyspace{Spec: v1alpha1.VitessKeyspaceSpec{Cluster: "vitess",
		KeyspaceSpec: v1alpha1.KeyspaceSpec{Name: "main"}}}
	assert.Empty(t, ValidateKeyspace(ks))
	ks.Spec.Name = "--x"
	why := ValidateKeyspace(ks)
	assert.True(t, strings.HasPrefix(why, "spec.name: "), why)

	next := ks.DeepCopy()
	keyspaceState{refused: why}.apply(next)
	assert.Equal(t, common.PhaseDegraded, next.Status.Phase)
	assert.False(t, isTrue(next.Status.Conditions, ConditionRegistered))
	assert.True(t, isTrue(next.Status.Conditions, common.ConditionDegraded))
}
