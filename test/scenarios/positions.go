package scenarios

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// positionLine is one line of ShardReplicationPositions: the tablet's
// alias and type, its primary term start, its position and lag.
type positionLine struct {
	alias, typ, term, position, lag string
}

// shardPositions runs ShardReplicationPositions, as kubectl vitess status
// does, through the vttablet container of the tablet via, and splits its
// lines; a failed command fails the test.
func (h *harness) shardPositions(via string) []positionLine {
	argv := dataplane.VtctldclientArgs(h.s.Server(), "ShardReplicationPositions", "--action-timeout=60s",
		h.s.Keyspace()+"/"+h.s.Shard())
	res, err := h.s.Executor().Exec(h.ctx, h.s.Member(via).Target, argv)
	require.NoError(h.t, err, "%s", h.s.Name())
	require.Equal(h.t, 0, res.ExitCode, "%s: %s%s", h.s.Name(), res.Stderr, res.Stdout)
	h.t.Logf("%s: ShardReplicationPositions:\n%s", h.s.Name(), res.Stdout)
	var out []positionLine
	for _, l := range strings.Split(strings.TrimRight(res.Stdout, "\n"), "\n") {
		// The tablet's fields, then " <position> <lag>", the position
		// possibly empty.
		f := strings.Fields(l)
		require.GreaterOrEqual(h.t, len(f), 8, "%s: %q", h.s.Name(), l)
		i := strings.LastIndex(l, " ")
		j := strings.LastIndex(l[:i], " ")
		k := strings.LastIndex(l[:j], " ")
		out = append(out, positionLine{alias: f[0], typ: f[3], term: l[k+1 : j], position: l[j+1 : i], lag: l[i+1:]})
	}
	return out
}

// shardReplicationPositionsListsEveryTablet: ShardReplicationPositions,
// which kubectl vitess status reads, lists every tablet of the shard, the
// primary first with its term start, each with its position, all alike
// once the replicas caught up. A tablet whose processes are gone stays in
// the list with an empty position and lag 0, and the command succeeds: vtctld
// keeps it with a nil status, which crosses gRPC as an empty one, so
// vtctldclient never prints its "<err> <err> <err>" (the simulator did,
// until this scenario ran on real Vitess).
func shardReplicationPositionsListsEveryTablet(t *testing.T, h *harness) {
	primary := h.seeded()
	acked := h.write(primary, 3)
	tablets := h.s.Tablets()
	for _, a := range tablets {
		h.rows(a, acked)
	}
	lines := h.shardPositions(primary)
	require.Len(t, lines, len(tablets), "%s: %v", h.s.Name(), lines)
	assert.Equal(t, primary, lines[0].alias, "%s: the primary first", h.s.Name())
	assert.Equal(t, "primary", lines[0].typ, "%s", h.s.Name())
	_, err := time.Parse(time.RFC3339, lines[0].term)
	assert.NoError(t, err, "%s: the primary's term start", h.s.Name())
	assert.NotEmpty(t, lines[0].position, "%s", h.s.Name())
	for _, l := range lines {
		assert.Equal(t, lines[0].position, l.position, "%s: %s holds what the primary holds", h.s.Name(), l.alias)
		assert.Equal(t, "0", l.lag, "%s: %s", h.s.Name(), l.alias)
		if l.alias != primary {
			assert.Contains(t, []string{"replica", "rdonly"}, l.typ, "%s", h.s.Name())
			assert.Equal(t, "<null>", l.term, "%s", h.s.Name())
		}
	}

	gone := tablets[len(tablets)-1]
	require.NoError(t, h.s.KillTablet(h.ctx, gone))
	lines = h.shardPositions(primary)
	require.Len(t, lines, len(tablets), "%s: a tablet that does not answer stays listed: %v", h.s.Name(), lines)
	assert.Equal(t, primary, lines[0].alias, "%s", h.s.Name())
	assert.Contains(t, lines, positionLine{alias: gone, typ: "rdonly", term: "<null>", lag: "0"}, "%s", h.s.Name())
}
