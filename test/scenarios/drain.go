package scenarios

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// holdFor runs a tablet pod's preStop hook (bounded to hold seconds) in the
// tablet's mysqld container and returns how long it held.
func (h *harness) holdFor(alias string, hold int64) time.Duration {
	ctx, cancel := context.WithTimeout(h.ctx, time.Duration(hold+10)*time.Second)
	defer cancel()
	t := h.s.Member(alias).Target
	t.Container = dataplane.MysqldContainer
	start := time.Now()
	res, err := h.s.Executor().Exec(ctx, t, vitess.HoldWhileWritableCommand(uint32(ordinal(alias)), hold))
	require.NoError(h.t, err, "%s: the hook in %s", h.s.Name(), alias)
	require.Equal(h.t, 0, res.ExitCode, "%s: the hook in %s: %s", h.s.Name(), alias, res.Stderr)
	return time.Since(start)
}

// primaryHandsOverWhileItsPodHolds: a tablet pod's preStop hook holds while
// the tablet's own mysqld is writable and returns at once on a replica; the
// engine moves the role of a primary whose pod is being deleted with a
// planned reparent, after which the old primary's hook returns at once and
// the new primary holds every acknowledged row (doc/design/drain.md).
func primaryHandsOverWhileItsPodHolds(t *testing.T, h *harness) {
	primary := h.seeded()
	h.settle(10)
	acked := h.write(primary, 3)
	replica := h.otherReplica(primary)

	// The hook counts whole seconds (date +%s): bounded to 4, it holds
	// for more than 3.
	assert.GreaterOrEqual(t, h.holdFor(primary, 4), 3*time.Second, "%s: the primary's hook held", h.s.Name())
	assert.Less(t, h.holdFor(replica, 4), 2*time.Second, "%s: a replica's hook returns at once", h.s.Name())

	h.deleting[primary] = true
	a := h.decide()
	require.Equal(t, replication.ActSwitchover, a.Type, "%s: %s", h.s.Name(), a)
	require.Equal(t, ordinal(primary), a.Members[0], "%s: %s", h.s.Name(), a)
	require.NoError(t, h.act(a), "%s", h.s.Name())

	assert.Less(t, h.holdFor(primary, 4), 2*time.Second, "%s: the demoted primary's hook returns at once", h.s.Name())
	w := h.writable()
	require.Len(t, w, 1, "%s", h.s.Name())
	assert.NotEqual(t, primary, w[0], "%s", h.s.Name())
	assert.GreaterOrEqual(t, h.rows(w[0], acked), acked, "%s: acknowledged rows lost", h.s.Name())
}
