package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestOwnsAlias proves a shard claims the aliases of its own pools in its
// own cells, at any index, and nobody else's: only those records are ever
// deleted.
func TestOwnsAlias(t *testing.T) {
	s := testShard()
	me := TabletUID("zone1", "main", "-80", PoolMasterEligible, 0)
	batch := TabletUID("zone2", "main", "-80", PoolBatch, 0)
	other := TabletUID("zone1", "main", "80-", PoolMasterEligible, 0)
	for _, tc := range []struct {
		alias string
		want  bool
	}{
		{TabletAlias("zone1", me), true},
		{TabletAlias("zone1", me+7), true},
		{TabletAlias("zone2", batch), true},
		{TabletAlias("zone3", me), false},
		{TabletAlias("zone1", other), false},
		{"zone1", false},
		{"zone1-notanumber", false},
	} {
		assert.Equal(t, tc.want, ownsAlias(s, tc.alias), tc.alias)
	}
}

// TestTabletsListPoolsPerCell proves a shard's tablets are listed cell by
// cell, master-eligible before batch, with their pool indexes.
func TestTabletsListPoolsPerCell(t *testing.T) {
	var got []string
	for _, tb := range Tablets(testShard()) {
		got = append(got, tb.Cell+"/"+tb.Pool+"/"+string(rune('0'+tb.Index)))
	}
	assert.Equal(t, []string{
		"zone1/masterEligible/0", "zone1/masterEligible/1", "zone1/batch/0",
		"zone2/masterEligible/0", "zone2/masterEligible/1", "zone2/batch/0",
	}, got)
}
