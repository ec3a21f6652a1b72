package main

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// deadline is how vtctld fails a call to a tablet that does not listen: the
// gRPC client waits for it until the call's deadline (go/vt/grpcclient,
// WaitForReady), so the simulator answers at once what Vitess answers late.
func deadline() error { return errorf("DeadlineExceeded", "context deadline exceeded") }

// record returns a tablet's record, or the NotFound vtctld answers.
func (v vtctld) record(alias string) (tabletRecord, error) {
	rec, ok, err := v.topo.tablet(alias)
	if err != nil {
		return rec, err
	}
	if !ok {
		return rec, errorf("NotFound", "node doesn't exist: tablets/%s/Tablet", alias)
	}
	return rec, nil
}

// typeName is a tablet type as protojson prints it.
func typeName(t int) string {
	switch t {
	case typePrimary:
		return "PRIMARY"
	case typeReplica:
		return "REPLICA"
	case typeRdonly:
		return "RDONLY"
	}
	return "UNKNOWN"
}

// mysqlPort is the port every simulated mysqld listens on; a replica names
// its source by the primary record's mysql_hostname and mysql_port, as
// vttablet's SetReplicationSource does (rpc_replication.go).
const mysqlPort = 3306

// getFullStatus is GetFullStatus (rpc_replication.go FullStatus), printed
// with proto field names: read_only comes from mysqld; replication_status
// is null when no replication is configured; the IO thread of a replica
// whose source does not answer is connecting.
func (v vtctld) getFullStatus(_ map[string]string, pos []string) error {
	alias, err := exactlyOne("GetFullStatus", pos)
	if err != nil {
		return err
	}
	pods, err := v.syncTablets()
	if err != nil {
		return err
	}
	rec, err := v.record(alias)
	if err != nil {
		return err
	}
	t, ok := reachable(pods, alias)
	if !ok {
		return deadline()
	}
	st, err := t.load()
	if err != nil {
		return err
	}
	out := map[string]any{"tablet_type": typeName(rec.Type), "read_only": !st.Writable, "server_uuid": st.ServerUUID,
		"replication_status": nil, "primary_status": map[string]any{"position": positionOf(st.gtids())}}
	if st.ReplSource != "" {
		io, sql, ioErr := 1, 1, ""
		if st.ReplRunning {
			io, sql = 3, 3
			if src, ok := v.podNamed(pods, st.ReplSource); !ok || src.lost || !src.mysqldUp() {
				io = 2
			} else if sst, err := src.load(); err == nil {
				if ioErr = replAuthError(t.member, st.ReplSource, sst); ioErr != "" {
					io = 2 // Connecting, retrying the login
				}
			}
		}
		out["replication_status"] = map[string]any{"position": positionOf(st.gtids()), "io_state": io, "sql_state": sql,
			"source_host": st.ReplSource, "source_port": mysqlPort, "source_uuid": st.ReplSourceUUID, "last_io_error": ioErr}
	}
	return printJSON(v, out)
}

// podNamed finds a tablet pod by pod name.
func (v vtctld) podNamed(pods map[string]tablet, name string) (tablet, bool) {
	for _, t := range pods {
		if t.name == name {
			return t, true
		}
	}
	return tablet{}, false
}

func printJSON(v vtctld, x any) error {
	data, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(v.out, string(data))
	return err
}

// getTablets is GetTablets --keyspace --shard --format json: Go's encoding
// of the records, the type as a number; a PRIMARY record older than the
// newest one is shown as UNKNOWN, whose zero type is left out
// (grpcvtctldserver/server.go).
func (v vtctld) getTablets(flags map[string]string, _ []string) error {
	if flags["format"] != "json" || flags["keyspace"] == "" || flags["shard"] == "" {
		return fmt.Errorf("the simulator answers GetTablets --keyspace K --shard S --format json only, got %v", flags)
	}
	if _, err := v.syncTablets(); err != nil {
		return err
	}
	recs, err := v.topo.tablets(flags["keyspace"], flags["shard"])
	if err != nil {
		return err
	}
	var newest int64
	for _, r := range recs {
		if r.Type == typePrimary && r.Term > newest {
			newest = r.Term
		}
	}
	list := []map[string]any{}
	for _, r := range recs {
		e := map[string]any{"alias": aliasJSON(r.Alias), "hostname": r.Pod, "keyspace": r.Keyspace, "shard": r.Shard,
			"mysql_hostname": r.Pod, "mysql_port": mysqlPort}
		switch {
		case r.Type == typePrimary && r.Term == newest:
			e["type"] = r.Type
			e["primary_term_start_time"] = map[string]any{"seconds": r.Term / 1e9, "nanoseconds": r.Term % 1e9}
		case r.Type != typePrimary:
			e["type"] = r.Type
		}
		list = append(list, e)
	}
	return printJSON(v, list)
}

// shardPrimary returns the shard's primary as vtctld finds it before a
// single-tablet replication command, with its refusals (server.go).
func (v vtctld) shardPrimary(rec tabletRecord) (shardRecord, error) {
	sh, err := v.topo.shard(rec.Keyspace, rec.Shard)
	if err != nil {
		return sh, err
	}
	if sh.PrimaryAlias == "" {
		return sh, errorf("FailedPrecondition", "no primary tablet for shard %s/%s", rec.Keyspace, rec.Shard)
	}
	return sh, nil
}

// startReplication is StartReplication: START REPLICA with whatever source
// mysqld has; it does not re-point (rpc_replication.go).
func (v vtctld) startReplication(_ map[string]string, pos []string) error {
	alias, err := exactlyOne("StartReplication", pos)
	if err != nil {
		return err
	}
	pods, rec, err := v.tabletCommand(alias)
	if err != nil {
		return err
	}
	if _, err := v.shardPrimary(rec); err != nil {
		return err
	}
	t, ok := reachable(pods, alias)
	if !ok {
		return deadline()
	}
	if _, err := t.update(func(st *state) error {
		if st.ReplSource == "" {
			return errorf("Unknown", "TabletManager.StartReplication on %s: ERROR 1200 (HY000): The server is not configured as replica; "+
				"fix in config file or with CHANGE REPLICATION SOURCE TO", alias)
		}
		st.ReplRunning = true
		return nil
	}); err != nil {
		return err
	}
	return catchUp(t, pods)
}

// stopReplication is StopReplication: STOP REPLICA, nothing else; a
// primary stays writable.
func (v vtctld) stopReplication(_ map[string]string, pos []string) error {
	alias, err := exactlyOne("StopReplication", pos)
	if err != nil {
		return err
	}
	pods, _, err := v.tabletCommand(alias)
	if err != nil {
		return err
	}
	t, ok := reachable(pods, alias)
	if !ok {
		return deadline()
	}
	_, err = t.update(func(st *state) error { st.ReplRunning = false; return nil })
	return err
}

// tabletCommand syncs the tablets and reads the record a command names.
func (v vtctld) tabletCommand(alias string) (map[string]tablet, tabletRecord, error) {
	pods, err := v.syncTablets()
	if err != nil {
		return nil, tabletRecord{}, err
	}
	rec, err := v.record(alias)
	return pods, rec, err
}

// reparentTablet is ReparentTablet: point a tablet at the shard's primary
// (SetReplicationSource). A PRIMARY-typed tablet becomes a REPLICA, without
// being made read-only; replication starts only where none was configured,
// or restarts where it ran (rpc_replication.go setReplicationSourceLocked).
func (v vtctld) reparentTablet(_ map[string]string, pos []string) error {
	alias, err := exactlyOne("ReparentTablet", pos)
	if err != nil {
		return err
	}
	pods, rec, err := v.tabletCommand(alias)
	if err != nil {
		return err
	}
	sh, err := v.shardPrimary(rec)
	if err != nil {
		return err
	}
	if sh.PrimaryAlias == alias {
		return errorf("FailedPrecondition", "cannot ReparentTablet current shard primary (%s) onto itself", alias)
	}
	t, ok := reachable(pods, alias)
	primary, pok := reachable(pods, sh.PrimaryAlias)
	if !ok || !pok {
		return deadline()
	}
	if rec.Type == typePrimary {
		rec.Type, rec.Term = typeReplica, 0
		if err := v.topo.putTablet(rec); err != nil {
			return err
		}
	}
	st, err := t.load()
	if err != nil {
		return err
	}
	if err := v.setSource(t, primary, st.ReplSource == "", true); err != nil {
		return err
	}
	return printJSON(v, map[string]any{"keyspace": rec.Keyspace, "shard": rec.Shard, "primary": aliasJSON(sh.PrimaryAlias)})
}

// getShard is GetShard keyspace/shard: the shard record as protojson with
// proto field names (go/cmd/vtctldclient/command/shards.go, cli.MarshalJSON),
// after the tablets published their state to it, as a vttablet that became
// primary does.
func (v vtctld) getShard(_ map[string]string, pos []string) error {
	ks, shard, err := keyspaceShard("GetShard", pos)
	if err != nil {
		return err
	}
	if _, err := v.syncTablets(); err != nil {
		return err
	}
	sh, err := v.topo.shard(ks, shard)
	if err != nil {
		return err
	}
	var primary any
	if sh.PrimaryAlias != "" {
		primary = aliasJSON(sh.PrimaryAlias)
	}
	return printJSON(v, map[string]any{"keyspace": ks, "name": shard,
		"shard": map[string]any{"primary_alias": primary, "is_primary_serving": true}})
}

// deleteTablets is DeleteTablets: topology only. A primary (the shard
// record's, or a PRIMARY record newer than it) needs --allow-primary
// (grpcvtctldserver/topo.go, topotools.IsPrimaryTablet).
func (v vtctld) deleteTablets(flags map[string]string, pos []string) error {
	_, allow := flags["allow-primary"]
	for _, alias := range pos {
		rec, err := v.record(alias)
		if err != nil {
			return fmt.Errorf("%w: while deleting %d tablets; please inspect the topo", err, len(pos))
		}
		sh, err := v.topo.shard(rec.Keyspace, rec.Shard)
		if err != nil {
			return err
		}
		if rec.Type == typePrimary && (sh.PrimaryAlias == alias || rec.Term > sh.Term) {
			if !allow {
				return errorf("FailedPrecondition", "cannot delete tablet %s as it is a primary, pass AllowPrimary = true", alias)
			}
			if sh.PrimaryAlias == alias {
				if err := v.topo.putShard(rec.Keyspace, rec.Shard, shardRecord{Term: newTerm(sh.Term)}); err != nil {
					return err
				}
			}
		}
		if err := v.topo.deleteTablet(alias); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(v.out, "Successfully deleted %d tablets\n", len(pos))
	return err
}

// aliasJSON is a tablet alias (cell-uid) as Vitess's JSON prints it: the
// cell, and the uid as a number (topodata.TabletAlias).
func aliasJSON(alias string) map[string]any {
	i := strings.LastIndex(alias, "-")
	uid, _ := strconv.ParseUint(alias[i+1:], 10, 32)
	return map[string]any{"cell": alias[:i], "uid": uid}
}
