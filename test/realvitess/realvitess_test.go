package realvitess

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/test/scenarios"
)

func skipUnlessBuilt(t *testing.T) {
	if os.Getenv(EnvBin) == "" {
		t.Skipf("%s is not set: run hack/real-vitess.sh (MariaDB and patched Vitess v24) and set %s=$PWD/_output/real-vitess/bin", EnvBin, EnvBin)
	}
}

// shard is a substrate with the helpers the tests share.
type shard struct {
	*Substrate
	t   *testing.T
	ctx context.Context
}

func (s shard) name() string { return s.cfg.Keyspace + "/" + s.cfg.Shard }

// vtctld runs a vtctldclient command from a tablet's vttablet container, as
// the driver does.
func (s shard) vtctld(from, command string, args ...string) dataplane.Result {
	s.t.Helper()
	res, err := s.Executor().Exec(s.ctx, s.Member(from).Target, dataplane.VtctldclientArgs(s.Server(), command, args...))
	require.NoError(s.t, err)
	return res
}

func (s shard) mustVtctld(from, command string, args ...string) {
	s.t.Helper()
	res := s.vtctld(from, command, args...)
	require.Zero(s.t, res.ExitCode, "vtctldclient %s: %s%s", command, res.Stderr, res.Stdout)
}

func (s shard) writable(alias string) bool {
	s.t.Helper()
	w, err := s.Writable(s.ctx, alias)
	require.NoError(s.t, err)
	return w
}

func (s shard) rowsOn(alias string, want int) {
	s.t.Helper()
	require.EventuallyWithT(s.t, func(c *assert.CollectT) {
		n, err := s.Rows(s.ctx, alias)
		assert.NoError(c, err)
		assert.Equal(c, want, n)
	}, 30*time.Second, 100*time.Millisecond, "rows on %s", alias)
}

func (s shard) write(alias string, n int) {
	s.t.Helper()
	acked, err := s.Write(s.ctx, alias, n)
	require.NoError(s.t, err)
	require.Equal(s.t, n, acked)
}

// seed makes primary the first primary with the driver's command line and
// returns how long PlannedReparentShard took.
func (s shard) seed(primary string) time.Duration {
	s.t.Helper()
	for _, a := range s.Tablets() {
		require.False(s.t, s.writable(a), "%s is writable before any reparent", a)
	}
	t0 := time.Now()
	s.mustVtctld(primary, "PlannedReparentShard", "--new-primary="+primary, "--allow-cross-cell-promotion", s.name())
	d := time.Since(t0)
	for _, a := range s.Tablets() {
		require.Equal(s.t, a == primary, s.writable(a), "%s writable", a)
	}
	return d
}

func newShard(t *testing.T, cfg scenarios.Config, opts ...Option) shard {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	s := New(t, cfg, opts...)
	require.NoError(t, s.WaitAll(ctx))
	return shard{Substrate: s, t: t, ctx: ctx}
}

// TestSmoke brings up a semi-sync shard of three replicas and one rdonly on
// real Vitess, seeds it with PlannedReparentShard, writes, loses the primary
// to SIGKILL, fails over with EmergencyReparentShard, and restarts the old
// primary, which must come back read-only, replicating, and acknowledging
// semi-sync writes; last, a planned switchover back to it.
func TestSmoke(t *testing.T) {
	skipUnlessBuilt(t)
	begin := time.Now()
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 3, Rdonly: 1, Durability: "semi_sync"})
	firstStart := time.Since(begin)
	tablets := s.Tablets()
	require.Len(t, tablets, 4)
	primary, next, third, rdonly := tablets[0], tablets[1], tablets[2], tablets[3]

	prs := s.seed(primary)
	// Every tablet answers FullStatus (VTOrc's probe, read from MariaDB).
	for _, a := range tablets {
		s.mustVtctld(a, "GetFullStatus", a)
	}
	db, err := s.Query(s.ctx, primary, "SHOW DATABASES LIKE 'vt_ks'")
	require.NoError(t, err)
	t.Logf("after PlannedReparentShard the primary has database vt_ks: %v", strings.TrimSpace(db) != "")

	s.write(primary, 5)
	for _, a := range []string{next, third, rdonly} {
		s.rowsOn(a, 5)
	}
	// Write connects as vt_app, which a replica's read_only stops.
	_, err = s.Write(s.ctx, next, 1)
	require.Error(t, err, "a write to a read-only replica succeeded")

	// Lose the primary; fail over to the next replica.
	require.NoError(t, s.KillTablet(s.ctx, primary))
	mysqld := s.Member(primary).Target
	mysqld.Container = dataplane.MysqldContainer
	_, err = s.Executor().Exec(s.ctx, mysqld, dataplane.MysqlArgs(primary[strings.LastIndex(primary, "-")+1:], "SELECT 1"))
	require.Error(t, err, "exec into the mysqld container of a killed tablet ran")
	t1 := time.Now()
	s.mustVtctld(next, "EmergencyReparentShard", "--new-primary="+next, s.name())
	ers := time.Since(t1)
	require.True(t, s.writable(next))
	require.False(t, s.writable(third))
	require.False(t, s.writable(rdonly))
	s.rowsOn(next, 5)
	s.write(next, 1)
	s.rowsOn(third, 6)

	// The old primary comes back on its data as a read-only replica.
	t2 := time.Now()
	require.NoError(t, s.StartTablet(s.ctx, primary))
	require.NoError(t, s.WaitServing(s.ctx, primary))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		w, err := s.Writable(s.ctx, primary)
		assert.NoError(c, err)
		assert.False(c, w, "the old primary is writable")
		out, err := s.Query(s.ctx, primary, "SHOW ALL SLAVES STATUS")
		assert.NoError(c, err)
		assert.Contains(c, out, "\tYes\tYes\t", "the old primary does not replicate")
	}, time.Minute, 100*time.Millisecond)
	rejoin := time.Since(t2)
	s.rowsOn(primary, 6)
	s.write(next, 1)
	for _, a := range []string{primary, third, rdonly} {
		s.rowsOn(a, 7)
	}

	// A planned switchover back, with the driver's command line: the
	// current primary is demoted.
	t3 := time.Now()
	s.mustVtctld(primary, "PlannedReparentShard", "--new-primary="+primary, "--expected-primary="+next,
		"--allow-cross-cell-promotion", s.name())
	switchover := time.Since(t3)
	require.True(t, s.writable(primary))
	require.False(t, s.writable(next))
	s.write(primary, 1)
	for _, a := range []string{next, third, rdonly} {
		s.rowsOn(a, 8)
	}

	t.Logf("timings: first start %v, PlannedReparentShard %v, EmergencyReparentShard %v, rejoin of the old primary %v, "+
		"switchover %v, whole test %v",
		round(firstStart), round(prs), round(ers), round(rejoin), round(switchover), round(time.Since(begin)))
}

// TestSemiSyncFailoverNeedsAnAcker: with durability semi_sync, two replicas
// and one rdonly, EmergencyReparentShard refuses to promote the surviving
// replica once the primary is lost: an rdonly tablet does not acknowledge
// semi-sync writes, so the new primary could commit nothing.
func TestSemiSyncFailoverNeedsAnAcker(t *testing.T) {
	skipUnlessBuilt(t)
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 2, Rdonly: 1, Durability: "semi_sync"})
	tablets := s.Tablets()
	primary, other, rdonly := tablets[0], tablets[1], tablets[2]
	s.seed(primary)
	s.write(primary, 3)
	s.rowsOn(other, 3)
	s.rowsOn(rdonly, 3)

	require.NoError(t, s.KillTablet(s.ctx, primary))
	res := s.vtctld(other, "EmergencyReparentShard", "--new-primary="+other, s.name())
	require.NotZero(t, res.ExitCode)
	require.Contains(t, res.Stderr, "will not be able to make forward progress")
	require.False(t, s.writable(other))
}

func round(d time.Duration) string { return fmt.Sprint(d.Round(10 * time.Millisecond)) }

// TestLifecycle: a tablet cut off stops answering and refuses exec; a
// semi-sync write with no replica to acknowledge it is not counted; a
// stopped tablet (SIGTERM, as a pod deletion) restarts on its data and
// catches up.
func TestLifecycle(t *testing.T) {
	skipUnlessBuilt(t)
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 2, Durability: "semi_sync"})
	tablets := s.Tablets()
	primary, replica := tablets[0], tablets[1]
	s.seed(primary)
	s.write(primary, 2)
	s.rowsOn(replica, 2)

	// Cut off, the replica acknowledges nothing: the commit blocks until
	// the write's context ends and is not counted.
	require.NoError(t, s.SetReachable(s.ctx, replica, false))
	_, err := s.Executor().Exec(s.ctx, s.Member(replica).Target, []string{"vtctldclient", "--server=" + s.Server(), "GetTablet", replica})
	require.Error(t, err, "exec into a tablet cut off ran")
	_, err = s.Writable(s.ctx, replica)
	require.Error(t, err)
	ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
	acked, err := s.Write(ctx, primary, 1)
	cancel()
	require.Error(t, err)
	require.Zero(t, acked)
	require.NoError(t, s.SetReachable(s.ctx, replica, true))
	s.rowsOn(replica, 3) // the blocked commit went through once acknowledged
	s.write(primary, 1)

	// A stopped replica restarts on its data and catches up.
	t0 := time.Now()
	require.NoError(t, s.StopTablet(s.ctx, replica))
	t.Logf("StopTablet took %v", round(time.Since(t0)))
	_, err = s.Executor().Exec(s.ctx, s.Member(replica).Target, []string{"vtctldclient", "--server=" + s.Server(), "GetTablet", replica})
	require.Error(t, err, "exec into a stopped tablet ran")
	require.NoError(t, s.StartTablet(s.ctx, replica))
	require.NoError(t, s.WaitServing(s.ctx, replica))
	require.False(t, s.writable(replica))
	s.rowsOn(replica, 4)
	s.write(primary, 1)
	s.rowsOn(replica, 5)
}
