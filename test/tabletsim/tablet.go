package main

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane/position"
)

// markerStartupDelay, a file in a tablet's data directory holding a Go
// duration, makes its mysqld take that long from the pod's start to accept
// connections, as a first start, a restore or a crash recovery does.
const markerStartupDelay = "mysqld-startup-delay"

// tablet is a tablet pod as the simulated vtctld sees it.
type tablet struct {
	member
	alias string
	// stuck is a vttablet that cannot finish its start: it serves no RPC
	// (initializeReplication).
	stuck bool
	// starting is a tablet whose mysqld was not up yet when the command
	// synced the tablets: it stays unreachable for the rest of the command,
	// even if its start-up delay ends meanwhile, since its vttablet's start
	// (initializeReplication) has not run.
	starting bool
}

// initType is the tablet type vttablet starts as, --init-tablet-type.
func (t tablet) initType() int {
	if t.env["TABLET_TYPE"] == "rdonly" {
		return typeRdonly
	}
	return typeReplica
}

// mysqldUp reports whether the tablet's mysqld accepts connections: the pod
// runs, its node is not lost, and its start-up delay has passed.
func (t tablet) mysqldUp() bool {
	if t.lost || t.has(markerCrash) || t.has(markerTornDown) {
		return false
	}
	data, err := os.ReadFile(filepath.Join(t.dir, markerStartupDelay))
	if err != nil {
		return true
	}
	d, err := time.ParseDuration(strings.TrimSpace(string(data)))
	return err != nil || time.Since(t.started) >= d
}

// clusterOf is the cluster a vtctld address belongs to: the operator names
// it <cluster>-vtctld.<namespace>.svc:15999.
func clusterOf(server string) string {
	host, _, _ := strings.Cut(server, ".")
	return strings.TrimSuffix(host, "-vtctld")
}

// tabletPods returns the running tablet pods of the namespace that belong to
// the cluster, by alias: those of the command's shard when it has one.
func (v vtctld) tabletPods() map[string]tablet {
	out := map[string]tablet{}
	prefix := v.cluster + "-vttablet-"
	for _, m := range v.pods {
		if v.shard != (shardKey{}) && (m.env["TABLET_KEYSPACE"] != v.shard.keyspace || m.env["TABLET_SHARD"] != v.shard.shard) {
			continue // another shard's tablet: its own commands sync it
		}
		if alias := m.env["TABLET_ALIAS"]; alias != "" && strings.HasPrefix(m.name, prefix) {
			out[alias] = tablet{member: m, alias: alias}
		}
	}
	return out
}

// syncTablets runs, for every tablet of the cluster, what its vttablet does
// by itself between commands: register in the topology when its process
// (pod) is new, set up replication once mysqld is up, give up a primary role
// the shard record gave to a newer primary, and replicate.
func (v vtctld) syncTablets() (map[string]tablet, error) {
	pods := v.tabletPods()
	for _, t := range pods {
		if t.lost {
			continue // its vttablet reaches nobody, and nobody it
		}
		if err := v.startTablet(t); err != nil {
			return nil, err
		}
	}
	for alias, t := range pods {
		if t.lost {
			continue
		}
		if !t.mysqldUp() {
			t.starting = true
			pods[alias] = t
			continue
		}
		stuck, err := v.initializeReplication(t, pods)
		if err != nil {
			return nil, err
		}
		if stuck {
			t.stuck = true
			pods[alias] = t
			continue
		}
		if err := v.runTablet(t, pods); err != nil {
			return nil, err
		}
	}
	return pods, nil
}

// initializeReplication is what a replica's vttablet does once at its
// start (tm_init.go initializeReplication), and reports whether that start
// is stuck. In a shard whose record names another primary, it asks that
// primary for its position first: while the primary does not answer, the
// call fails or hangs and vttablet never serves (real Vitess shows it:
// scenario ReplicaRestartedWhilePrimaryLost; ERS cannot reach such a
// tablet until the record names no primary, or one that answers). On
// MySQL the start also fails when the tablet holds transactions the
// primary lacks besides the primary's own (ErrantGTIDsOnReplica), at every
// restart until its data is discarded. Otherwise it replicates from that
// primary, whatever source it had before and even when the primary is
// read-only. A real vttablet whose start failed is restarted; the
// simulator tries again at its next command. A PRIMARY, a shard with no
// primary, or one whose record names this tablet needs nothing.
func (v vtctld) initializeReplication(t tablet, pods map[string]tablet) (stuck bool, err error) {
	rec, ok, err := v.topo.tablet(t.alias)
	if err != nil || !ok || rec.Type == typePrimary {
		return false, err
	}
	st, err := t.load()
	if err != nil || st.ReplInit == t.uid {
		return false, err
	}
	sh, err := v.topo.shard(rec.Keyspace, rec.Shard)
	if err != nil {
		return false, err
	}
	if sh.PrimaryAlias != "" && sh.PrimaryAlias != t.alias {
		primary, ok := pods[sh.PrimaryAlias]
		if !ok || primary.lost || !primary.mysqldUp() {
			return true, nil
		}
		pst, err := primary.load()
		if err != nil {
			return false, err
		}
		if !st.gtids().WithoutServer(pst.ServerUUID).Minus(pst.gtids()).Empty() {
			return true, nil
		}
		if err := v.setSource(t, primary, true, true); err != nil {
			return false, err
		}
	}
	_, err = t.update(func(st *state) error { st.ReplInit = t.uid; return nil })
	return false, err
}

// startTablet is vttablet's start in a new pod (go/vt/vttablet/tabletmanager/
// tm_init.go): it writes its record before it needs mysqld (initTablet),
// PRIMARY only if the shard record names it or its old PRIMARY record is
// newer than the shard's term (checkPrimaryShip), else its init type.
func (v vtctld) startTablet(t tablet) error {
	old, ok, err := v.topo.tablet(t.alias)
	if err != nil || (ok && old.Process == t.uid) {
		return err
	}
	sh, err := v.topo.shard(t.env["TABLET_KEYSPACE"], t.env["TABLET_SHARD"])
	if err != nil {
		return err
	}
	rec := tabletRecord{Alias: t.alias, Keyspace: t.env["TABLET_KEYSPACE"], Shard: t.env["TABLET_SHARD"],
		Type: t.initType(), Pod: t.name, Process: t.uid}
	switch {
	case sh.PrimaryAlias == t.alias:
		rec.Type, rec.Term = typePrimary, sh.Term
		if ok && old.Type == typePrimary && old.Term != 0 {
			rec.Term = old.Term
		}
	case ok && old.Type == typePrimary && old.Term > sh.Term:
		rec.Type, rec.Term = typePrimary, old.Term
	}
	if err := v.topo.putTablet(rec); err != nil {
		return err
	}
	// vttablet reads its credentials now; one it cannot read shows as the
	// replica's IO error.
	_, _ = startedPassword(t.member)
	// A new process: mysqld restarted read-only with its replication
	// threads stopped (state.load resets both for a new pod UID); one
	// with no data restores a backup first when told to.
	_, err = t.update(func(st *state) error {
		st.Pod = t.uid
		if st.zero() && st.Accounts == nil {
			accounts, err := initAccounts(t.env)
			if err != nil {
				return err
			}
			st.Accounts = accounts
		}
		return restoreAtStart(t, st, v.sim.reg.root)
	})
	return err
}

// runTablet is what a running vttablet does on its own once mysqld is up.
func (v vtctld) runTablet(t tablet, pods map[string]tablet) error {
	rec, ok, err := v.topo.tablet(t.alias)
	if err != nil || !ok {
		return err
	}
	sh, err := v.topo.shard(rec.Keyspace, rec.Shard)
	if err != nil {
		return err
	}
	primary, hasPrimary := pods[sh.PrimaryAlias]
	switch {
	case rec.Type == typePrimary && rec.Term > sh.Term:
		// shard_sync.go: a primary with a newer term writes itself into the
		// shard record.
		return v.topo.putShard(rec.Keyspace, rec.Shard, shardRecord{PrimaryAlias: rec.Alias, Term: rec.Term})
	case rec.Type == typePrimary && rec.Term < sh.Term && sh.PrimaryAlias != rec.Alias:
		// shard_sync.go endPrimaryTerm: demote (super_read_only), become a
		// REPLICA of the new primary, replicate; it needs the new primary
		// to answer (its errant-GTID check asks it) and retries until then.
		if !hasPrimary || primary.lost || !primary.mysqldUp() {
			return nil
		}
		rec.Type, rec.Term = typeReplica, 0
		if err := v.topo.putTablet(rec); err != nil {
			return err
		}
		return v.setSource(t, primary, true, true)
	}
	return catchUp(t, pods)
}

// setSource is SetReplicationSource (rpc_replication.go): point the tablet
// at primary; start replication when told to, or when it was running.
func (v vtctld) setSource(t, primary tablet, start, restart bool) error {
	pst, err := primary.load()
	if err != nil {
		return err
	}
	_, err = t.update(func(st *state) error {
		wasRunning := st.ReplRunning
		st.ReplSource, st.ReplSourceUUID = primary.name, pst.ServerUUID
		st.ReplRunning = start || (restart && wasRunning)
		return nil
	})
	if err != nil {
		return err
	}
	pods := map[string]tablet{primary.alias: primary}
	return catchUp(t, pods)
}

// catchUp is replication: a tablet whose threads run takes every
// transaction its source holds, while the source answers.
func catchUp(t tablet, pods map[string]tablet) error {
	_, err := t.update(func(st *state) error {
		if !st.ReplRunning || st.ReplSource == "" {
			return nil
		}
		for _, src := range pods {
			if src.name != st.ReplSource || src.lost || !src.mysqldUp() {
				continue
			}
			if ss, err := src.load(); err == nil && replAuthError(t.member, src.name, ss) == "" {
				st.replicate(ss)
			}
		}
		return nil
	})
	return err
}

// reachable reports whether vtctld reaches the tablet's vttablet: its pod
// runs on a node that is not lost, its mysqld is up and vttablet finished
// its start (it serves its RPCs only then, tm_init.go).
func reachable(pods map[string]tablet, alias string) (tablet, bool) {
	t, ok := pods[alias]
	return t, ok && !t.lost && !t.stuck && !t.starting && t.mysqldUp()
}

// positionOf renders a tablet's executed GTID set as Vitess prints
// positions (go/mysql/replication/replication_position.go, EncodePosition).
func positionOf(g position.GTIDSet) string { return "MySQL56/" + g.String() }
