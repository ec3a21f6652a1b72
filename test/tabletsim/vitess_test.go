package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	server = "--server=vt-vtctld.ns.svc:15999"
	query  = "--execute=SELECT @@global.read_only, @@global.gtid_executed, (SELECT COUNT(*) FROM performance_schema.replication_connection_status WHERE SERVICE_STATE = 'ON')"
)

// tablet registers pod as a tablet of ks/-80 with uid and type.
func (w *world) tablet(pod, uid, typ string) {
	env := map[string]string{"TABLET_ALIAS": "zone1-" + uid, "TABLET_UID": uid, "TABLET_KEYSPACE": "ks",
		"TABLET_SHARD": "-80", "TABLET_TYPE": typ}
	data, err := json.Marshal(env)
	require.NoError(w.t, err)
	require.NoError(w.t, os.WriteFile(filepath.Join(w.root, "registry", "ns", pod+".env.json"), data, 0o644))
}

func (w *world) as(name, pod string, args ...string) (int, string) {
	env := map[string]string{"DATA_DIR": w.dir(pod), "POD_NAME": pod, "POD_NAMESPACE": "ns", "SIM_ROOT": w.root, "POD_UID": "uid-" + pod}
	var out, errOut bytes.Buffer
	code := runAs(name, args, func(k string) string { return env[k] }, &out, &errOut)
	return code, strings.TrimSpace(out.String() + errOut.String())
}

// mysqlState returns read_only, the GTID set and the replication count.
func (w *world) mysqlState(pod, uid string) []string {
	code, out := w.as("mysql", pod, "--socket=/vt/vtdataroot/vt_"+uid+"/mysql.sock", "--user=vt_dba", "--batch", "--skip-column-names", query)
	require.Equal(w.t, 0, code, out)
	return strings.Split(out, "\t")
}

// TestVitessReparents walks a shard through its first primary, writes, an
// emergency reparent after losing the primary, and a planned one.
func TestVitessReparents(t *testing.T) {
	w := newWorld(t, "t-1", "t-2", "t-3")
	w.tablet("t-1", "0000000101", "replica")
	w.tablet("t-2", "0000000102", "replica")
	w.tablet("t-3", "0000000103", "rdonly")

	assert.Equal(t, []string{"1", "", "0"}, w.mysqlState("t-1", "0000000101"), "a new tablet is read-only and not replicating")
	code, out := w.as("vtctldclient", "t-1", server, "PlannedReparentShard", "--new-primary=zone1-0000000103", "--allow-cross-cell-promotion", "ks/-80")
	assert.Equal(t, 1, code, "an rdonly tablet cannot be promoted: %s", out)
	code, out = w.as("vtctldclient", "t-1", server, "PlannedReparentShard", "--new-primary=zone1-0000000101", "--allow-cross-cell-promotion", "ks/-80")
	require.Equal(t, 0, code, out)
	assert.Equal(t, "0", w.mysqlState("t-1", "0000000101")[0], "the primary is writable")
	for _, tb := range [][2]string{{"t-2", "0000000102"}, {"t-3", "0000000103"}} {
		code, out = w.as("vtctldclient", tb[0], server, "StartReplication", "zone1-"+tb[1])
		require.Equal(t, 0, code, out)
	}
	w.mustHook("t-1", "write", "4")
	st := w.mysqlState("t-2", "0000000102")
	assert.Equal(t, "1", st[2], "a replica replicates")
	assert.Contains(t, st[1], ":1-4")

	w.removePod("t-1")
	code, out = w.as("vtctldclient", "t-2", server, "EmergencyReparentShard", "--new-primary=zone1-0000000102", "ks/-80")
	require.Equal(t, 0, code, out)
	assert.Equal(t, "0", w.mysqlState("t-2", "0000000102")[0])

	code, out = w.as("vtctldclient", "t-2", server, "PlannedReparentShard", "--new-primary=zone1-0000000102", "--expected-primary=zone1-0000000999", "--allow-cross-cell-promotion", "ks/-80")
	assert.Equal(t, 1, code, "a planned reparent checks the expected primary: %s", out)
	code, out = w.as("vtctldclient", "t-2", server, "StopReplication", "zone1-0000000102")
	assert.Equal(t, 1, code, "the primary's replication cannot be stopped: %s", out)
}

// TestVitessTopologyCommands checks cells and keyspaces: AddCellInfo refuses
// a cell that exists, CreateKeyspace --force does not.
func TestVitessTopologyCommands(t *testing.T) {
	w := newWorld(t, "vtctld-0")
	code, out := w.as("vtctldclient", "vtctld-0", server, "AddCellInfo", "--root=/vitess/vt/zone1", "--server-address=etcd:2379", "zone1")
	require.Equal(t, 0, code, out)
	code, out = w.as("vtctldclient", "vtctld-0", server, "AddCellInfo", "--root=/vitess/vt/zone1", "--server-address=etcd:2379", "zone1")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "node already exists")
	for i := 0; i < 2; i++ {
		code, out = w.as("vtctldclient", "vtctld-0", server, "CreateKeyspace", "--force", "main")
		require.Equal(t, 0, code, out)
	}
	code, _ = w.as("vtctldclient", "vtctld-0", server, "Bogus")
	assert.Equal(t, 2, code)
}
