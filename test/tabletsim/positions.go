package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane/position"
)

// vtPort is the "vt" entry of a tablet record's port map: the operator's
// vttablet --port, which MarshalTabletAWK prints with the hostname.
const vtPort = 15000

// replicatingTablet is one tablet of ShardReplicationPositions' answer: its
// record and, when vtctld read one, its position (cli.ReplicatingTablet);
// known is false for a tablet that did not answer.
type replicatingTablet struct {
	rec   tabletRecord
	known bool
	pos   position.GTIDSet
}

// shardReplicationPositions is ShardReplicationPositions keyspace/shard,
// modelled on Vitess v24:
//
//   - vtctld (go/vt/vtctl/grpcvtctldserver/server.go, ShardReplicationPositions)
//     reads the shard's tablet map, which fails for a shard that does not
//     exist (GetTabletMapForShard, topo.Server.GetShard); asks a PRIMARY-typed
//     record for PrimaryPosition and every other type it serves for
//     ReplicationStatus; a tablet that does not answer within the
//     per-tablet timeout is kept with a nil status, while any other failure,
//     such as a replica with no replication configured (mysql.ErrNotReplica),
//     fails the whole command, the errors joined by ";"
//     (concurrency.AllErrorRecorder).
//   - The nil status crosses gRPC as an empty one: a proto map holds no nil
//     message. So vtctldclient (go/cmd/vtctldclient/command/shards.go,
//     commandShardReplicationPositions), which prints no JSON but one line a
//     tablet, the tablet as cli.MarshalTabletAWK (cli/awk.go) prints it and
//     then " <position> <lag>", prints an empty position and lag 0 for it,
//     never its "<err> <err> <err>" for a nil status (real Vitess shows it:
//     scenario ShardReplicationPositionsListsEveryTablet). The lines are
//     sorted as cli.SortedReplicatingTablets (cli/shards.go) sorts them.
//
// The simulator's replicas apply what their source holds at once, so their
// lag is 0, as MySQL reports a replica with nothing left to apply (and
// vttablet reports a stopped one: Seconds_Behind_Source is NULL).
func (v vtctld) shardReplicationPositions(_ map[string]string, pos []string) error {
	ks, shard, err := keyspaceShard("ShardReplicationPositions", pos)
	if err != nil {
		return err
	}
	pods, err := v.syncTablets()
	if err != nil {
		return err
	}
	recs, err := v.topo.tablets(ks, shard)
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		// vttablet creates its shard's record at its start (tm_init.go), so
		// a shard no tablet names exists only once a primary was recorded.
		if _, err := os.Stat(v.topo.shardPath(ks, shard)); errors.Is(err, os.ErrNotExist) {
			return errorf("Unknown", "GetTabletMapForShard(%s, %s) failed: node doesn't exist: keyspaces/%s/shards/%s/Shard", ks, shard, ks, shard)
		} else if err != nil {
			return err
		}
	}
	var rows []replicatingTablet
	var failed []string
	for _, r := range recs {
		t, ok := reachable(pods, r.Alias)
		if !ok {
			rows = append(rows, replicatingTablet{rec: r})
			continue
		}
		st, err := t.load()
		if err != nil {
			return err
		}
		if r.Type != typePrimary && st.ReplSource == "" {
			failed = append(failed, fmt.Sprintf("ReplicationStatus(%s) failed: TabletManager.ReplicationStatus on %s: "+
				"no replication status (errno 100) (sqlstate HY000)", r.Alias, r.Alias))
			continue
		}
		rows = append(rows, replicatingTablet{rec: r, known: true, pos: st.gtids()})
	}
	if len(failed) > 0 {
		return errorf("Unknown", "%s", strings.Join(failed, ";"))
	}
	sortReplicating(rows)
	for _, r := range rows {
		if _, err := fmt.Fprintln(v.out, r.line()); err != nil {
			return err
		}
	}
	return nil
}

// sortReplicating orders the tablets as cli.SortedReplicatingTablets does
// with what crossed gRPC (every status set): by tablet type (PRIMARY first),
// then the less advanced before the more, an empty position
// (replication.Position.AtLeast of a nil GTID set) before any other. Vitess
// sorts a map, so ties come in any order; the simulator keeps them by alias.
func sortReplicating(rows []replicatingTablet) {
	sort.SliceStable(rows, func(i, j int) bool {
		l, r := rows[i], rows[j]
		switch {
		case l.rec.Type != r.rec.Type:
			return l.rec.Type < r.rec.Type
		case !l.known || !r.known:
			return !l.known && r.known
		}
		return !l.pos.Contains(r.pos)
	})
}

// line is the tablet's output line: alias, keyspace, shard, type, vttablet
// address, mysqld address, tags and primary term start (cli.MarshalTabletAWK),
// then the position and lag. The simulated records carry no tags, and are
// addressed by pod name, as GetTablets shows them.
func (r replicatingTablet) line() string {
	rec := r.rec
	term := "<null>"
	if rec.Type == typePrimary && rec.Term >= int64(time.Second) {
		term = time.Unix(0, rec.Term).UTC().Format(time.RFC3339)
	}
	s := fmt.Sprintf("%s %s %s %s %s %s [] %s", rec.Alias, rec.Keyspace, rec.Shard, strings.ToLower(typeName(rec.Type)),
		net.JoinHostPort(rec.Pod, strconv.Itoa(vtPort)), net.JoinHostPort(rec.Pod, strconv.Itoa(mysqlPort)), term)
	if !r.known {
		return s + "  0" // the empty status: no position, lag 0
	}
	return s + fmt.Sprintf(" %s %d", positionOf(r.pos), 0)
}
