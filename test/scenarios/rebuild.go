package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// rebuildAReplica: the driver's rebuild (mysqlctl teardown) discards a
// replica's data; the pod made next on the same directory initialises a
// new mysqld, and once the engine points it at the primary it holds every
// row again, replicated from the primary.
func rebuildAReplica(t *testing.T, h *harness) {
	primary := h.seeded()
	h.settle(10)
	acked := h.write(primary, 3)
	require.Equal(t, 3, acked, "%s", h.s.Name())
	replica := h.otherReplica(primary)
	require.Equal(t, 3, h.rows(replica, 3), "%s: %s before its rebuild", h.s.Name(), replica)

	m := h.s.Member(replica)
	require.NoError(t, h.d.Stop(h.ctx, m), "%s", h.s.Name())
	require.NoError(t, h.d.Rebuild(h.ctx, m), "%s", h.s.Name())
	require.NoError(t, h.s.StopTablet(h.ctx, replica), "%s", h.s.Name())
	h.gone[replica] = true
	delete(h.known, replica)

	taken := h.settle(10)
	require.NotEmpty(t, taken, "%s", h.s.Name())
	assert.Equal(t, replication.ActCreatePods, taken[0].Type, "%s: the member is made again first: %v", h.s.Name(), taken)
	assert.Equal(t, 3, h.rows(replica, 3), "%s: rebuilt, %s holds every row from the primary", h.s.Name(), replica)
	assert.Equal(t, []string{primary}, h.writable(), "%s", h.s.Name())
}

// divergedFormerPrimaryIsRebuilt: a primary commits a row no replica
// receives (their replication stopped) and is killed; the failover passes
// that row over, and the former primary comes back holding it, a commit of
// its own no other tablet holds. The engine stops its replication and,
// once another replica holds everything else it has, discards its data and
// makes it again; it then holds what the new primary holds and nothing
// else, and the shard settles with one writable primary.
func divergedFormerPrimaryIsRebuilt(t *testing.T, h *harness) {
	if h.s.Name() == "real" {
		t.Skip("the real tier runs MariaDB, whose GTIDs carry no server_uuid: Vitess computes errant GTIDs " +
			"for the MySQL flavor only (go/mysql/replication/replication_status.go, FindErrantGTIDs)")
	}
	primary := h.seeded()
	h.settle(10)
	require.Equal(t, 3, h.write(primary, 3), "%s", h.s.Name())
	for _, a := range h.s.Tablets() {
		if a != primary {
			require.NoError(t, h.d.Stop(h.ctx, h.s.Member(a)), "%s", h.s.Name())
		}
	}
	acked, err := h.s.Write(h.ctx, primary, 1)
	require.Error(t, err, "%s: with no replica receiving, nothing acknowledges the commit", h.s.Name())
	require.Zero(t, acked)
	require.NoError(t, h.s.KillTablet(h.ctx, primary), "%s", h.s.Name())
	h.gone[primary] = true

	taken := h.settle(20)
	var rebuilt []int
	for _, a := range taken {
		if a.Type == replication.ActRebuild {
			rebuilt = append(rebuilt, a.Members...)
		}
	}
	assert.Equal(t, []int{ordinal(primary)}, rebuilt, "%s: only the former primary is rebuilt: %v", h.s.Name(), taken)
	w := h.writable()
	require.Len(t, w, 1, "%s", h.s.Name())
	assert.NotEqual(t, primary, w[0], "%s", h.s.Name())
	obs := h.observe()
	assert.Equal(t, dataplane.StateSecondary, obs[primary].State, "%s: the former primary follows again", h.s.Name())
	assert.Equal(t, obs[w[0]].Position.String(), obs[primary].Position.String(),
		"%s: it holds what the new primary holds, and not its unacknowledged commit", h.s.Name())
	assert.Equal(t, 3, h.rows(w[0], 3), "%s: the acknowledged rows survived", h.s.Name())
}

// otherReplica is a replica tablet other than primary.
func (h *harness) otherReplica(primary string) string {
	for _, a := range h.s.Tablets() {
		if a != primary && h.spec.Desired[ordinal(a)] {
			return a
		}
	}
	h.t.Fatalf("%s: no replica besides %s", h.s.Name(), primary)
	return ""
}
