package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestShardReplicationPositionsFollowsVitess checks ShardReplicationPositions
// against v24's behaviour: an unknown shard fails, a replica with no
// replication configured fails the whole command, and otherwise one AWK line
// a tablet, the primary first with its term start, then the replicas with
// their positions and lag; a tablet that does not answer stays listed with
// an empty position and lag 0.
func TestShardReplicationPositionsFollowsVitess(t *testing.T) {
	w := newWorld(t)
	w.tablet("0000000101", "replica")
	w.tablet("0000000102", "replica")
	w.tablet("0000000103", "rdonly")
	w.mustVtctl("CreateKeyspace", "--durability-policy=semi_sync", "ks")

	code, out := w.vtctl("ShardReplicationPositions", "ks/80-")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "GetTabletMapForShard(ks, 80-) failed: node doesn't exist: keyspaces/ks/shards/80-/Shard")

	code, out = w.vtctl("ShardReplicationPositions", "ks/-80")
	assert.Equal(t, 1, code, "replicas with no replication configured fail the command: %s", out)
	assert.Contains(t, out, "ReplicationStatus(zone1-0000000101) failed: TabletManager.ReplicationStatus on zone1-0000000101: "+
		"no replication status (errno 100) (sqlstate HY000);ReplicationStatus(zone1-0000000102) failed")

	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	wrote := w.mustHook(tabletPod("0000000101"), "write", "4")
	require.Contains(t, wrote, "gtids: ")
	primaryPos := w.status("0000000101")["primary_status"].(map[string]any)["position"].(string)
	lines := strings.Split(w.mustVtctl("ShardReplicationPositions", "ks/-80"), "\n")
	require.Len(t, lines, 3)
	pos := regexp.QuoteMeta(primaryPos)
	assert.Regexp(t, `^zone1-0000000101 ks -80 primary vt-vttablet-zone1-0000000101:15000 vt-vttablet-zone1-0000000101:3306 \[\] `+
		`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ `+pos+` 0$`, lines[0])
	assert.Equal(t, "zone1-0000000102 ks -80 replica vt-vttablet-zone1-0000000102:15000 vt-vttablet-zone1-0000000102:3306 [] <null> "+
		primaryPos+" 0", lines[1])
	assert.Equal(t, "zone1-0000000103 ks -80 rdonly vt-vttablet-zone1-0000000103:15000 vt-vttablet-zone1-0000000103:3306 [] <null> "+
		primaryPos+" 0", lines[2])

	w.removePod(tabletPod("0000000102"))
	lines = strings.Split(w.mustVtctl("ShardReplicationPositions", "ks/-80"), "\n")
	require.Len(t, lines, 3, "a tablet that does not answer stays in the answer")
	assert.True(t, strings.HasPrefix(lines[0], "zone1-0000000101 ks -80 primary "), lines[0])
	assert.Equal(t, "zone1-0000000102 ks -80 replica vt-vttablet-zone1-0000000102:15000 vt-vttablet-zone1-0000000102:3306 [] <null>  0", lines[1])
	assert.True(t, strings.HasPrefix(lines[2], "zone1-0000000103 ks -80 rdonly "), lines[2])
}

// TestSortReplicatingFollowsVitess pins cli.SortedReplicatingTablets'
// order on statuses that crossed gRPC: PRIMARY first, then by type, within
// a type a tablet without a position first, then the less advanced before
// the more.
func TestSortReplicatingFollowsVitess(t *testing.T) {
	const u = "3e11fa47-71ca-11e1-9e33-c80aa9429562:"
	row := func(alias string, typ int, known bool, gtids string) replicatingTablet {
		st := state{GTIDs: gtids}
		return replicatingTablet{rec: tabletRecord{Alias: alias, Type: typ}, known: known, pos: st.gtids()}
	}
	rows := []replicatingTablet{row("a", typeRdonly, true, u+"1-3"), row("b", typeReplica, true, u+"1-5"),
		row("c", typeReplica, true, u+"1-2"), row("d", typePrimary, true, u+"1-5"), row("e", typeReplica, false, "")}
	sortReplicating(rows)
	var got []string
	for _, r := range rows {
		got = append(got, r.rec.Alias)
	}
	assert.Equal(t, []string{"d", "e", "c", "b", "a"}, got)
}
