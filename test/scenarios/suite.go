package scenarios

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// New makes a substrate for one scenario.
type New func(t *testing.T, cfg Config) Substrate

// shape is the shard most scenarios start from: three replicas and an
// rdonly tablet under semi_sync, the operator's default for such a keyspace.
func shape() Config {
	return Config{Cell: "zone1", Keyspace: "main", Shard: "0", Replicas: 3, Rdonly: 1, Durability: "semi_sync"}
}

// scenario is one behaviour both substrates must show, on the shard of
// shape() unless cfg changes it.
type scenario struct {
	name string
	run  func(t *testing.T, h *harness)
	cfg  func(c *Config)
}

// Run runs every scenario on substrates made by newSubstrate.
func Run(t *testing.T, newSubstrate New) {
	for _, sc := range []scenario{
		{"SlowFirstStartIsWaitedFor", slowFirstStart, nil},
		{"SeedEmptyShard", seedEmptyShard, nil},
		{"StopReplicationDoesNotFenceAPrimary", stopReplicationDoesNotFence, nil},
		{"FailoverKeepsAcknowledgedRows", failoverKeepsAcknowledgedRows, nil},
		{"FailoverCatchesUpFromAReachablePrimary", failoverCatchesUpFromAReachablePrimary, func(c *Config) { c.Rdonly = 0 }},
		{"FenceAnExtraPrimary", fenceAnExtraPrimary, nil},
		{"FollowAfterAReparent", followAfterAReparent, nil},
		{"ScaleDownThenReparent", scaleDownThenReparent, nil},
		{"ReplicaUnreachableWhilePrimaryLost", replicaUnreachableWhilePrimaryLost, nil},
		{"ReplicaRestartedWhilePrimaryLost", replicaRestartedWhilePrimaryLost, func(c *Config) { c.Rdonly = 0 }},
		{"SemiSyncFailoverNeedsAnAcker", semiSyncFailoverNeedsAnAcker, func(c *Config) { c.Replicas = 2 }},
		{"ShardRecordAheadOfTheLabels", shardRecordAheadOfTheLabels, nil},
		{"RebuildAReplica", rebuildAReplica, nil},
		{"DivergedFormerPrimaryIsRebuilt", divergedFormerPrimaryIsRebuilt, nil},
		{"PrimaryHandsOverWhileItsPodHolds", primaryHandsOverWhileItsPodHolds, nil},
		{"ShardReplicationPositionsListsEveryTablet", shardReplicationPositionsListsEveryTablet, nil},
	} {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			cfg := shape()
			if sc.cfg != nil {
				sc.cfg(&cfg)
			}
			s := newSubstrate(t, cfg)
			t.Cleanup(s.Close)
			sc.run(t, newHarness(t, ctx, s, cfg))
		})
	}
}

// serving waits until every tablet serves.
func (h *harness) serving() {
	for _, a := range h.s.Tablets() {
		require.NoError(h.t, h.s.WaitServing(h.ctx, a), "%s: %s", h.s.Name(), a)
	}
}

// seeded brings the shard up and returns its primary: the lowest ordinal,
// since every tablet starts empty.
func (h *harness) seeded() string {
	h.serving()
	taken := h.settle(10)
	require.NotEmpty(h.t, taken)
	assert.Equal(h.t, replication.ActSeed, taken[0].Type)
	w := h.writable()
	require.Len(h.t, w, 1, "%s: one writable tablet after seeding", h.s.Name())
	return w[0]
}

// write commits n rows on a tablet and returns how many were acknowledged.
func (h *harness) write(alias string, n int) int {
	acked, err := h.s.Write(h.ctx, alias, n)
	require.NoError(h.t, err, "%s: writing on %s", h.s.Name(), alias)
	return acked
}

// rows reads how many rows a tablet holds, waiting a moment for replication.
func (h *harness) rows(alias string, atLeast int) int {
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := h.s.Rows(h.ctx, alias)
		if err == nil && n >= atLeast || time.Now().After(deadline) {
			require.NoError(h.t, err)
			return n
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// slowFirstStart: the tablets were just launched and initialise their data
// directories (seconds on real Vitess); the engine's decision over them
// neither stops, fences nor deletes one (they are starting), nor seeds
// before all answer; once they do, it seeds.
func slowFirstStart(t *testing.T, h *harness) {
	obs := h.observe()
	starting := 0
	for _, a := range h.s.Tablets() {
		switch obs[a].State {
		case dataplane.StateFailed, dataplane.StateUnknown:
			starting++
		case dataplane.StatePrimary:
			t.Errorf("%s: %s answers as a primary before any reparent", h.s.Name(), a)
		}
	}
	// The probe asks the tablets one after another, and one that does not
	// answer costs it seconds: the last asked may be up by then.
	assert.Positive(t, starting, "%s: every tablet answered right after its launch: %+v", h.s.Name(), obs)
	a := h.step(h.snapshot(obs))
	t.Logf("%s: during the first start: %s", h.s.Name(), a)
	assert.Equal(t, replication.ActWait, a.Type, "%s: %s", h.s.Name(), a)
	h.serving()
	assert.Equal(t, replication.ActSeed, h.decide().Type, "once every tablet answers, the shard is seeded")
}

// seedEmptyShard: the first primary is the lowest ordinal, writable; the
// other tablets replicate from it and hold what it writes.
func seedEmptyShard(t *testing.T, h *harness) {
	primary := h.seeded()
	assert.Equal(t, h.s.Tablets()[0], primary)
	obs := h.observe()
	for _, a := range h.s.Tablets()[1:] {
		assert.Equal(t, dataplane.StateSecondary, obs[a].State, "%s: %s", h.s.Name(), a)
		// The seed's reparent pointed every replica at the primary; the
		// data plane says so, and the engine need not re-point them.
		assert.Equal(t, primary, obs[a].Source, "%s: %s replicates from the seed", h.s.Name(), a)
	}
	acked := h.write(primary, 3)
	for _, a := range h.s.Tablets() {
		assert.GreaterOrEqual(t, h.rows(a, acked), acked, "%s: %s replicates", h.s.Name(), a)
	}
	assert.Equal(t, replication.ActNone, h.decide().Type)
}

// stopReplicationDoesNotFence: Vitess's StopReplication on a primary
// succeeds and leaves it writable; this is why the engine fences a primary
// through its mysqld instead.
func stopReplicationDoesNotFence(t *testing.T, h *harness) {
	primary := h.seeded()
	require.NoError(t, h.d.Stop(h.ctx, h.s.Member(primary)), "%s", h.s.Name())
	w, err := h.s.Writable(h.ctx, primary)
	require.NoError(t, err)
	assert.True(t, w, "%s: the primary is still writable after StopReplication", h.s.Name())
}

// failoverKeepsAcknowledgedRows: rows acknowledged under semi-sync survive
// the loss of the primary's pod: the engine fails over to the most
// advanced replica, which holds them and is the only writable tablet.
func failoverKeepsAcknowledgedRows(t *testing.T, h *harness) {
	primary := h.seeded()
	acked := h.write(primary, 5)
	require.Equal(t, 5, acked)
	require.NoError(t, h.s.KillTablet(h.ctx, primary))
	h.gone[primary] = true
	a := h.decide()
	require.Equal(t, replication.ActPromote, a.Type, "%s: %s", h.s.Name(), a)
	require.True(t, a.Failover)
	require.NoError(t, h.act(a), "%s", h.s.Name())
	newPrimary := h.alias(a.Members[0])
	assert.Equal(t, []string{newPrimary}, h.writable(), "%s", h.s.Name())
	assert.GreaterOrEqual(t, h.rows(newPrimary, acked), acked, "%s: acknowledged rows lost", h.s.Name())

	// The old primary's pod is made anew on its data: it rejoins as a
	// read-only replica of the new primary.
	require.NoError(t, h.s.StartTablet(h.ctx, primary))
	h.gone[primary], h.start[primary] = false, time.Now()
	require.NoError(t, h.s.WaitServing(h.ctx, primary))
	h.settle(10)
	assert.Equal(t, []string{newPrimary}, h.writable(), "%s", h.s.Name())
	acked += h.write(newPrimary, 2)
	assert.GreaterOrEqual(t, h.rows(primary, acked), acked, "%s: the old primary replicates from the new one", h.s.Name())
}

// failoverCatchesUpFromAReachablePrimary: ERS to a replica whose
// replication was stopped while the replica that acknowledged the last
// rows is gone and the primary still answers (no rdonly tablet, which would
// hold the rows too). Vitess demotes the primary, takes it for the most
// advanced tablet (a primary's own transactions are not errant) and waits
// for the lagging replica to catch up with it, which it never does: ERS
// fails with nothing writable and nothing lost. The engine then settles
// the shard on a tablet holding every acknowledged row. The simulator once
// promoted the lagging replica as it was, which lost 47 acknowledged
// writes in make chaos.
func failoverCatchesUpFromAReachablePrimary(t *testing.T, h *harness) {
	primary := h.seeded()
	tablets := h.s.Tablets()
	acker, lagging := tablets[1], tablets[2]
	acked := h.write(primary, 4)
	h.rows(lagging, acked)
	require.NoError(t, h.d.Stop(h.ctx, h.s.Member(lagging)), "%s", h.s.Name())
	acked += h.write(primary, 3)
	require.Equal(t, 7, acked, "%s: the replica left acknowledges", h.s.Name())
	h.rows(acker, acked)
	require.NoError(t, h.s.KillTablet(h.ctx, acker))
	h.gone[acker] = true

	from := h.s.Member(primary)
	err := h.d.Failover(h.ctx, dataplane.Failover{To: h.s.Member(lagging), From: &from, Down: []string{acker}})
	require.Error(t, err, "%s: a failover to a tablet that cannot catch up", h.s.Name())
	assert.Empty(t, h.writable(), "%s: the old primary was demoted, nothing promoted", h.s.Name())
	assert.GreaterOrEqual(t, h.rows(primary, acked), acked, "%s", h.s.Name())

	h.settle(10)
	w := h.writable()
	require.Len(t, w, 1, "%s", h.s.Name())
	assert.GreaterOrEqual(t, h.rows(w[0], acked), acked, "%s: acknowledged rows lost", h.s.Name())
}

// fenceAnExtraPrimary: a second tablet made writable behind the operator's
// back is fenced (read-only, read back from mysqld) and made to follow.
func fenceAnExtraPrimary(t *testing.T, h *harness) {
	primary := h.seeded()
	other := h.s.Tablets()[1]
	res, err := h.s.Executor().Exec(h.ctx, h.s.Member(other).Target, setWritable(other))
	require.NoError(t, err)
	require.Equal(t, 0, res.ExitCode, "%s: %s", h.s.Name(), res.Stderr)
	require.ElementsMatch(t, []string{primary, other}, h.writable(), "%s: the test made two writable tablets", h.s.Name())

	a := h.decide()
	require.Equal(t, replication.ActFence, a.Type, "%s: %s", h.s.Name(), a)
	assert.Equal(t, other, h.alias(a.Members[0]), "%s: the tablet with no primary term is fenced", h.s.Name())
	require.NoError(t, h.act(a))
	assert.Equal(t, []string{primary}, h.writable(), "%s", h.s.Name())
	h.settle(10)
	assert.Equal(t, dataplane.StateSecondary, h.observe()[other].State, "%s", h.s.Name())
	acked := h.write(primary, 2)
	assert.GreaterOrEqual(t, h.rows(other, acked), acked, "%s", h.s.Name())
}

// setWritable is the command line that makes a tablet's mysqld writable.
func setWritable(alias string) []string {
	uid := alias[len(alias)-10:]
	argv := dataplane.MysqlArgs(uid, "SET GLOBAL read_only = OFF")
	return argv
}

// followAfterAReparent: after a planned reparent every replica follows the
// new primary; a replica whose replication was stopped is started again by
// Follow (ReparentTablet alone would leave it stopped).
func followAfterAReparent(t *testing.T, h *harness) {
	primary := h.seeded()
	tablets := h.s.Tablets()
	next, third := tablets[1], tablets[2]
	require.NoError(t, h.d.Switchover(h.ctx, h.s.Member(primary), h.s.Member(next)), "%s", h.s.Name())
	h.roles[next], h.roles[primary] = replication.RolePrimary, replication.RoleSecondary
	h.follow[primary] = next
	assert.Equal(t, []string{next}, h.writable(), "%s", h.s.Name())

	require.NoError(t, h.d.Stop(h.ctx, h.s.Member(third)))
	assert.Equal(t, dataplane.StateStopped, h.observe()[third].State, "%s", h.s.Name())
	h.settle(10)
	obs := h.observe()
	for _, a := range []string{primary, third} {
		assert.Equal(t, dataplane.StateSecondary, obs[a].State, "%s: %s", h.s.Name(), a)
	}
	acked := h.write(next, 3)
	for _, a := range []string{primary, third} {
		assert.GreaterOrEqual(t, h.rows(a, acked), acked, "%s: %s follows the new primary", h.s.Name(), a)
	}
}

// scaleDownThenReparent: a tablet removed from the shard (here the batch
// pool's rdonly tablet) leaves its record behind, which makes every later
// planned reparent fail until it is deleted; once it is, both reparents
// work.
func scaleDownThenReparent(t *testing.T, h *harness) {
	primary := h.seeded()
	tablets := h.s.Tablets()
	leaving := tablets[len(tablets)-1]
	require.NoError(t, h.d.Stop(h.ctx, h.s.Member(leaving)))
	require.NoError(t, h.s.StopTablet(h.ctx, leaving))
	h.gone[leaving] = true

	err := h.d.Switchover(h.ctx, h.s.Member(primary), h.s.Member(tablets[1]))
	require.Error(t, err, "%s: a planned reparent with a record of a gone tablet", h.s.Name())
	t.Logf("%s: planned reparent with a stale record: %v", h.s.Name(), err)

	require.NoError(t, h.d.Forget(h.ctx, h.s.Member(primary), []string{leaving}), "%s", h.s.Name())
	require.NoError(t, h.d.Forget(h.ctx, h.s.Member(primary), []string{leaving}), "%s: forgetting twice is fine", h.s.Name())
	require.NoError(t, h.d.Switchover(h.ctx, h.s.Member(primary), h.s.Member(tablets[1])), "%s", h.s.Name())
	assert.Equal(t, []string{tablets[1]}, h.writable())

	require.NoError(t, h.s.KillTablet(h.ctx, tablets[1]))
	from := h.s.Member(tablets[1])
	err = h.d.Failover(h.ctx, dataplane.Failover{To: h.s.Member(primary), From: &from})
	require.NoError(t, err, "%s", h.s.Name())
	assert.Equal(t, []string{primary}, h.writable(), "%s", h.s.Name())
}

// replicaUnreachableWhilePrimaryLost: the primary is lost and a replica
// cannot be reached. The engine does not wait for the replica (it held no
// more than the other when last seen) and fails over; the driver does not
// tell vtctld to ignore it, since it may since have acknowledged writes
// the survivor lacks. Under semi_sync vtctld then cannot show that no write
// committed without the tablets it reached, so Vitess refuses, and nothing
// is writable; once the replica is reached again the failover goes through
// and every tablet follows the new primary, which holds every acknowledged
// row.
func replicaUnreachableWhilePrimaryLost(t *testing.T, h *harness) {
	primary := h.seeded()
	tablets := h.s.Tablets()
	cut, survivor := tablets[1], tablets[2]
	acked := h.write(primary, 4)
	h.decide() // the engine's memory now holds every position
	require.NoError(t, h.s.SetReachable(h.ctx, cut, false))
	require.NoError(t, h.s.KillTablet(h.ctx, primary))
	h.gone[primary] = true

	a := h.decide()
	require.Equal(t, replication.ActPromote, a.Type, "%s: %s", h.s.Name(), a)
	assert.Equal(t, survivor, h.alias(a.Members[0]))
	assert.Contains(t, a.Unreachable, ordinal(cut))
	err := h.act(a)
	require.Error(t, err, "%s: a semi-sync failover that cannot reach a replica that may acknowledge", h.s.Name())
	// Vitess names the tablets it could not reach, then that it could not
	// show their writes cannot have committed (reparentutil/replication.go).
	assert.Contains(t, err.Error(), "failed to stop replication and build status maps", "%s", h.s.Name())
	assert.Empty(t, h.writable(), "%s", h.s.Name())

	require.NoError(t, h.s.SetReachable(h.ctx, cut, true))
	h.settle(10)
	w := h.writable()
	require.Len(t, w, 1, "%s", h.s.Name())
	assert.GreaterOrEqual(t, h.rows(w[0], acked), acked, "%s: acknowledged rows lost", h.s.Name())
	acked += h.write(w[0], 2)
	for _, b := range []string{cut, survivor} {
		assert.GreaterOrEqual(t, h.rows(b, acked), acked, "%s: %s follows the new primary", h.s.Name(), b)
	}
}

// replicaRestartedWhilePrimaryLost: a replica whose pod is made again
// while the primary is lost cannot start its vttablet, which asks the
// primary the shard record names for its position before anything else
// (tm_init.go initializeReplication) and fails its start when that does
// not answer (after --init-timeout, a minute, on real Vitess); its mysqld
// runs. ERS cannot reach it and, under semi_sync, refuses. The engine
// deletes the lost primary's record (ActRelease), the replica starts, and
// the failover goes through with every acknowledged row.
func replicaRestartedWhilePrimaryLost(t *testing.T, h *harness) {
	primary := h.seeded()
	tablets := h.s.Tablets()
	restarted := tablets[1]
	acked := h.write(primary, 3)
	h.rows(restarted, acked)
	require.NoError(t, h.s.KillTablet(h.ctx, primary))
	h.gone[primary] = true
	require.NoError(t, h.s.KillTablet(h.ctx, restarted))
	require.NoError(t, h.s.StartTablet(h.ctx, restarted))
	h.start[restarted] = time.Now()
	ctx, cancel := context.WithTimeout(h.ctx, 15*time.Second)
	defer cancel()
	assert.Error(t, h.s.WaitServing(ctx, restarted), "%s: its vttablet does not serve while the recorded primary is lost", h.s.Name())

	taken := h.retry(6 * time.Minute)
	assert.Contains(t, taken, replication.ActRelease, "%s: the lost primary's record is released", h.s.Name())
	w := h.writable()
	require.Len(t, w, 1, "%s", h.s.Name())
	assert.GreaterOrEqual(t, h.rows(w[0], acked), acked, "%s: acknowledged rows lost", h.s.Name())
}

// semiSyncFailoverNeedsAnAcker: with two replicas and an rdonly tablet
// under semi_sync, the replica left after the primary is lost has nobody
// to acknowledge its writes (rdonly tablets never do), and Vitess refuses
// to fail over to it. This is why the operator defaults to semi_sync only
// from three master-eligible tablets.
func semiSyncFailoverNeedsAnAcker(t *testing.T, h *harness) {
	primary := h.seeded()
	h.write(primary, 2)
	require.NoError(t, h.s.KillTablet(h.ctx, primary))
	h.gone[primary] = true
	a := h.decide()
	require.Equal(t, replication.ActPromote, a.Type, "%s: %s", h.s.Name(), a)
	err := h.act(a)
	require.Error(t, err, "%s: a failover to a replica nobody would acknowledge", h.s.Name())
	assert.Contains(t, err.Error(), "forward progress", "%s", h.s.Name())
	assert.Empty(t, h.writable(), "%s: nothing was promoted", h.s.Name())
}
