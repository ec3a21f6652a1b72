package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// topo is the simulated topology of one Vitess cluster, kept in files under
// the simulation root, keyed by the vtctld address the commands name (the
// real topology lives in etcd, behind vtctld). Every command holds its lock.
type topo struct {
	dir string
}

// Tablet types as Vitess's topodata.TabletType numbers them; GetTablets
// --format json prints the number (go/vt/proto/topodata).
const (
	typePrimary = 1
	typeReplica = 2
	typeRdonly  = 3
)

// tabletRecord is a tablet's record in the topology, as vttablet writes it
// at start (go/vt/vttablet/tabletmanager/tm_init.go, initTablet).
type tabletRecord struct {
	Alias    string `json:"alias"`
	Keyspace string `json:"keyspace"`
	Shard    string `json:"shard"`
	Type     int    `json:"type"`
	// Term is the primary term start time in Unix nanoseconds, set only on
	// a PRIMARY record.
	Term int64 `json:"term,omitempty"`
	// Pod is the pod the tablet runs in; Process the UID of the pod whose
	// vttablet wrote the record.
	Pod     string `json:"pod"`
	Process string `json:"process"`
}

// shardRecord is a shard's record: its primary and when its term started.
type shardRecord struct {
	PrimaryAlias string `json:"primaryAlias,omitempty"`
	Term         int64  `json:"term,omitempty"`
}

// keyspaceRecord is a keyspace's record.
type keyspaceRecord struct {
	Name       string `json:"name"`
	Durability string `json:"durability"`
}

func (t topo) tabletPath(alias string) string { return filepath.Join(t.dir, "tablets", alias+".json") }
func (t topo) shardPath(ks, shard string) string {
	return filepath.Join(t.dir, "shards", ks, shardFile(shard)+".json")
}
func (t topo) keyspacePath(ks string) string { return filepath.Join(t.dir, "keyspaces", ks+".json") }

// shardFile keeps a shard name usable as a file name ("-80", "80-").
func shardFile(shard string) string { return "shard_" + shard }

func readJSON(path string, v any) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	return true, json.Unmarshal(data, v)
}

func (t topo) tablet(alias string) (tabletRecord, bool, error) {
	var r tabletRecord
	ok, err := readJSON(t.tabletPath(alias), &r)
	return r, ok, err
}

func (t topo) putTablet(r tabletRecord) error { return writeJSON(t.tabletPath(r.Alias), r) }

func (t topo) deleteTablet(alias string) error { return os.Remove(t.tabletPath(alias)) }

// tablets returns the records of keyspace/shard, sorted by alias.
func (t topo) tablets(ks, shard string) ([]tabletRecord, error) {
	entries, err := os.ReadDir(filepath.Join(t.dir, "tablets"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []tabletRecord
	for _, e := range entries {
		r, ok, err := t.tablet(strings.TrimSuffix(e.Name(), ".json"))
		if err != nil {
			return nil, err
		}
		if ok && r.Keyspace == ks && r.Shard == shard {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Alias < out[j].Alias })
	return out, nil
}

func (t topo) shard(ks, shard string) (shardRecord, error) {
	var r shardRecord
	_, err := readJSON(t.shardPath(ks, shard), &r)
	return r, err
}

func (t topo) putShard(ks, shard string, r shardRecord) error {
	return writeJSON(t.shardPath(ks, shard), r)
}

func (t topo) keyspace(ks string) (keyspaceRecord, bool, error) {
	var r keyspaceRecord
	ok, err := readJSON(t.keyspacePath(ks), &r)
	return r, ok, err
}

// durability is the keyspace's durability policy; "none" when unset, as
// vtctldclient CreateKeyspace defaults it (go/cmd/vtctldclient/command/keyspaces.go).
func (t topo) durability(ks string) string {
	r, ok, err := t.keyspace(ks)
	if err != nil || !ok || r.Durability == "" {
		return "none"
	}
	return r.Durability
}

// newTerm is a primary term start: now, and always after the last one.
func newTerm(last int64) int64 {
	return max(time.Now().UnixNano(), last+1)
}

// vtctldErr is a vtctld error: a code and a description.
type vtctldErr struct{ code, desc string }

func (e *vtctldErr) Error() string { return e.code + ": " + e.desc }

// errorf is a vtctld error, which vtctldclient v24 prints as "Code: desc".
func errorf(code, format string, args ...any) error {
	return &vtctldErr{code: code, desc: fmt.Sprintf(format, args...)}
}
