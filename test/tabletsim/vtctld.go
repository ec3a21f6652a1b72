package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// vtctld is the simulated control plane of one Vitess cluster: the topology
// it keeps and the tablets it reaches through the registry.
type vtctld struct {
	sim     sim
	topo    topo
	cluster string
	out     io.Writer
	// shard is the keyspace/shard a command concerns, "" for one that
	// concerns the cluster (cells, keyspaces). A shard's command syncs and
	// locks that shard only, as real vtctld serves shards concurrently.
	shard shardKey
	// pods are the namespace's registered pods, read once per command.
	pods []member
}

// shardKey names one shard of the cluster.
type shardKey struct{ keyspace, shard string }

// handler is one vtctldclient command.
type handler func(flags map[string]string, pos []string) error

// runVtctldclient answers the vtctldclient commands the operator sends, in
// the form it sends them: --server=ADDR [--action-timeout=D] COMMAND
// [--flag=value | --flag value]... ARGS.
func runVtctldclient(s sim, args []string, stdout, stderr io.Writer) int {
	flags, rest, err := parseFlags(args)
	if err != nil || flags["server"] == "" || len(rest) == 0 {
		fmt.Fprintf(stderr, "vtctldclient (tabletsim): want --server=ADDR COMMAND ..., got %v\n", args)
		return 2
	}
	server := flags["server"]
	delete(flags, "server")
	delete(flags, "action-timeout")
	key := strings.NewReplacer(":", "_", "/", "_").Replace(server)
	v := vtctld{sim: s, topo: topo{dir: filepath.Join(s.reg.root, "topo", s.self.namespace, key)}, cluster: clusterOf(server), out: stdout}
	if err := os.MkdirAll(v.topo.dir, 0o755); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	cmd, pos := rest[0], rest[1:]
	if v.pods, err = s.reg.members(s.self.namespace); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	v.shard = v.scopeOf(cmd, flags, pos)
	unlock, err := lockFile(filepath.Join(v.topo.dir, v.shard.lockName()))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer unlock()
	handlers := map[string]handler{
		"AddCellInfo":                 v.addCellInfo,
		"CreateKeyspace":              v.createKeyspace,
		"SetKeyspaceDurabilityPolicy": v.setDurability,
		"GetFullStatus":               v.getFullStatus,
		"GetTablets":                  v.getTablets,
		"GetShard":                    v.getShard,
		"ShardReplicationPositions":   v.shardReplicationPositions,
		"PlannedReparentShard":        v.plannedReparent,
		"EmergencyReparentShard":      v.emergencyReparent,
		"StartReplication":            v.startReplication,
		"StopReplication":             v.stopReplication,
		"ReparentTablet":              v.reparentTablet,
		"DeleteTablets":               v.deleteTablets,
		"Backup":                      v.backup,
		"GetBackups":                  v.getBackups,
		"RemoveBackup":                v.removeBackup,
	}
	h, ok := handlers[cmd]
	if !ok {
		fmt.Fprintf(stderr, "vtctldclient (tabletsim): unknown command %q\n", cmd)
		return 2
	}
	if err := h(flags, pos); err != nil {
		// vtctldclient v24 logs the error as a JSON line and exits 1
		// (go/cmd/vtctldclient/main.go).
		line, _ := json.Marshal(map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "level": "ERROR",
			"source": map[string]any{"function": "main.main", "file": "vitess.io/vitess@v0.24.0/go/cmd/vtctldclient/main.go", "line": 63},
			"msg":    err.Error()})
		fmt.Fprintln(stderr, string(line))
		return 1
	}
	return 0
}

// scopeOf is the shard a command concerns: named by --keyspace/--shard,
// as keyspace/shard, or through the tablet alias it names (the first, for
// DeleteTablets). Zero for a command of the cluster.
func (v vtctld) scopeOf(cmd string, flags map[string]string, pos []string) shardKey {
	switch cmd {
	case "GetTablets":
		return shardKey{flags["keyspace"], flags["shard"]}
	case "PlannedReparentShard", "EmergencyReparentShard", "GetShard", "GetBackups", "RemoveBackup", "ShardReplicationPositions":
		if ks, shard, err := keyspaceShard(cmd, pos[:min(len(pos), 1)]); err == nil {
			return shardKey{ks, shard}
		}
	case "GetFullStatus", "StartReplication", "StopReplication", "ReparentTablet", "DeleteTablets", "Backup":
		if len(pos) > 0 {
			return v.shardOfAlias(pos[0])
		}
	}
	return shardKey{}
}

// shardOfAlias finds a tablet's shard: from its pod, or else from its
// record (a tablet whose pod is gone).
func (v vtctld) shardOfAlias(alias string) shardKey {
	for _, m := range v.pods {
		if m.env["TABLET_ALIAS"] == alias {
			return shardKey{m.env["TABLET_KEYSPACE"], m.env["TABLET_SHARD"]}
		}
	}
	if rec, ok, err := v.topo.tablet(alias); err == nil && ok {
		return shardKey{rec.Keyspace, rec.Shard}
	}
	return shardKey{}
}

// lockName is the lock file of the scope: one per shard, one for the
// cluster's own records.
func (k shardKey) lockName() string {
	if k == (shardKey{}) {
		return ".lock"
	}
	return ".lock-" + strings.ReplaceAll(k.keyspace+"_"+k.shard, "/", "_")
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { _ = f.Close() }, nil
}

// exactlyOne checks that a command got one positional argument.
func exactlyOne(cmd string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("%s takes exactly one argument, got %v", cmd, pos)
	}
	return pos[0], nil
}

// keyspaceShard splits keyspace/shard.
func keyspaceShard(cmd string, pos []string) (string, string, error) {
	ksShard, err := exactlyOne(cmd, pos)
	if err != nil {
		return "", "", err
	}
	ks, shard, ok := strings.Cut(ksShard, "/")
	if !ok {
		return "", "", fmt.Errorf("%q is not keyspace/shard", ksShard)
	}
	return ks, shard, nil
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func (v vtctld) addCellInfo(flags map[string]string, pos []string) error {
	cell, err := exactlyOne("AddCellInfo", pos)
	if err != nil {
		return err
	}
	if flags["root"] == "" {
		return fmt.Errorf("--root is required")
	}
	path := filepath.Join(v.topo.dir, "cells", cell+".json")
	if _, err := os.Stat(path); err == nil {
		return errorf("AlreadyExists", "node already exists: cells/%s", cell)
	}
	return writeJSON(path, map[string]string{"root": flags["root"], "server_address": flags["server-address"]})
}

// createKeyspace is CreateKeyspace: it does not check the policy's name,
// and --force makes it a no-op for a keyspace that exists (server.go).
func (v vtctld) createKeyspace(flags map[string]string, pos []string) error {
	ks, err := exactlyOne("CreateKeyspace", pos)
	if err != nil {
		return err
	}
	if _, ok, err := v.topo.keyspace(ks); err != nil {
		return err
	} else if ok {
		if _, force := flags["force"]; force {
			return nil
		}
		return errorf("AlreadyExists", "node already exists: keyspaces/%s/Keyspace", ks)
	}
	policy := flags["durability-policy"]
	if policy == "" {
		policy = "none"
	}
	return writeJSON(v.topo.keyspacePath(ks), keyspaceRecord{Name: ks, Durability: policy})
}

// setDurability is SetKeyspaceDurabilityPolicy: it refuses a policy Vitess
// does not know; tablets take the new policy at their next reparent.
func (v vtctld) setDurability(flags map[string]string, pos []string) error {
	ks, err := exactlyOne("SetKeyspaceDurabilityPolicy", pos)
	if err != nil {
		return err
	}
	policy := flags["durability-policy"]
	if policy == "" {
		policy = "none"
	}
	if _, ok := durabilityKnown(policy); !ok {
		return errorf("InvalidArgument", "durability policy %s is not a valid policy. Please register it as a policy first", policy)
	}
	rec, ok, err := v.topo.keyspace(ks)
	if err != nil {
		return err
	}
	if !ok {
		return errorf("NotFound", "node doesn't exist: keyspaces/%s/Keyspace", ks)
	}
	rec.Durability = policy
	return writeJSON(v.topo.keyspacePath(ks), rec)
}
