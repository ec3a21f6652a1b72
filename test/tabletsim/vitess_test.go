package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const server = "--server=vt-vtctld.ns.svc:15999"

// tabletPod is the pod of tablet zone1-<uid> of cluster vt.
func tabletPod(uid string) string { return "vt-vttablet-zone1-" + uid }

// tablet registers the pod of tablet zone1-uid of ks/-80 with type typ.
func (w *world) tablet(uid, typ string) {
	pod := tabletPod(uid)
	w.register(pod, "uid-"+pod, map[string]string{"TABLET_ALIAS": "zone1-" + uid, "TABLET_UID": uid, "TABLET_KEYSPACE": "ks",
		"TABLET_SHARD": "-80", "TABLET_TYPE": typ})
}

func (w *world) as(name, pod string, args ...string) (int, string) {
	uid, _ := os.ReadFile(filepath.Join(w.root, "registry", "ns", pod+".uid"))
	env := map[string]string{"DATA_DIR": w.dir(pod), "POD_NAME": pod, "POD_NAMESPACE": "ns", "SIM_ROOT": w.root, "POD_UID": string(uid)}
	var out, errOut bytes.Buffer
	var code int
	if name == "tabletsim" {
		code = run(args, func(k string) string { return env[k] }, &out, &errOut)
	} else {
		code = runAs(name, args, func(k string) string { return env[k] }, &out, &errOut)
	}
	return code, strings.TrimSpace(out.String() + errOut.String())
}

// vtctl runs a vtctldclient command from the first tablet's pod.
func (w *world) vtctl(args ...string) (int, string) {
	return w.as("vtctldclient", tabletPod("0000000101"), append([]string{server, "--action-timeout=5s"}, args...)...)
}

func (w *world) mustVtctl(args ...string) string {
	code, out := w.vtctl(args...)
	require.Equal(w.t, 0, code, "%v: %s", args, out)
	return out
}

// mysqldGTIDs reads tablet uid's executed GTID set from its mysqld, as the
// driver's probe does when vttablet does not answer.
func (w *world) mysqldGTIDs(uid string) string {
	code, out := w.as("mysql", tabletPod(uid), "--socket=/vt/vtdataroot/vt_"+uid+"/mysql.sock", "--user=vt_dba", "--batch",
		"--skip-column-names", "--execute=SELECT @@global.read_only; SELECT @@global.server_uuid, @@global.gtid_executed")
	require.Equal(w.t, 0, code, out)
	_, second, _ := strings.Cut(out, "\n") // empty for a tablet that never committed
	_, gtids, _ := strings.Cut(second, "\t")
	return gtids
}

// status reads GetFullStatus of tablet uid.
func (w *world) status(uid string) map[string]any {
	var st map[string]any
	require.NoError(w.t, json.Unmarshal([]byte(w.mustVtctl("GetFullStatus", "zone1-"+uid)), &st))
	return st
}

// TestVitessShardLife walks a shard through the behaviours the simulator
// models after Vitess v24: tablets register themselves and start
// read-only, a first PlannedReparentShard makes a writable primary and
// points the replicas at it, semi-sync writes are acknowledged by replicas
// only, StopReplication leaves a primary writable, EmergencyReparentShard
// with --expected-primary runs once, a stale record blocks a planned
// reparent until DeleteTablets, and a tablet made anew rejoins as a replica.
func TestVitessShardLife(t *testing.T) {
	w := newWorld(t)
	w.tablet("0000000101", "replica")
	w.tablet("0000000102", "replica")
	w.tablet("0000000103", "rdonly")
	w.tablet("0000000104", "replica")
	w.mustVtctl("CreateKeyspace", "--durability-policy=semi_sync", "ks")

	var recs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(w.mustVtctl("GetTablets", "--keyspace", "ks", "--shard", "-80", "--format", "json")), &recs))
	require.Len(t, recs, 4, "tablets register themselves")
	st := w.status("0000000101")
	assert.Equal(t, true, st["read_only"], "a tablet starts read-only")
	assert.Nil(t, st["replication_status"])

	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	assert.Equal(t, false, w.status("0000000101")["read_only"])
	repl := w.status("0000000102")["replication_status"].(map[string]any)
	assert.Equal(t, float64(3), repl["io_state"])

	code, out := w.as("tabletsim", tabletPod("0000000101"), "write", "4")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "acknowledged by [vt-vttablet-zone1-0000000102 vt-vttablet-zone1-0000000104]", "the rdonly tablet does not acknowledge")

	w.mustVtctl("StopReplication", "zone1-0000000101")
	assert.Equal(t, false, w.status("0000000101")["read_only"], "StopReplication leaves a primary writable")

	w.removePod(tabletPod("0000000101"))
	assert.Equal(t, float64(2), w.status("0000000102")["replication_status"].(map[string]any)["io_state"], "connecting to a lost primary")
	w.mustVtctl("EmergencyReparentShard", "--new-primary=zone1-0000000102", "--expected-primary=zone1-0000000101", "ks/-80")
	st = w.status("0000000102")
	assert.Equal(t, false, st["read_only"])
	assert.Contains(t, st["primary_status"].(map[string]any)["position"], ":1-4")
	var shard struct {
		Shard struct {
			PrimaryAlias struct {
				Cell string `json:"cell"`
				UID  uint32 `json:"uid"`
			} `json:"primary_alias"`
		} `json:"shard"`
	}
	require.NoError(t, json.Unmarshal([]byte(w.mustVtctl("GetShard", "ks/-80")), &shard))
	assert.Equal(t, uint32(102), shard.Shard.PrimaryAlias.UID, "the shard record names the new primary")
	code, out = w.vtctl("EmergencyReparentShard", "--new-primary=zone1-0000000102", "--expected-primary=zone1-0000000101", "ks/-80")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "primary zone1-0000000102 is not equal to expected alias zone1-0000000101")

	code, out = w.vtctl("PlannedReparentShard", "--new-primary=zone1-0000000103", "ks/-80")
	assert.Equal(t, 1, code, "the record of the gone tablet blocks a planned reparent: %s", out)
	assert.Contains(t, out, "DeadlineExceeded")

	w.addPod(tabletPod("0000000101"), "uid-new")
	st = w.status("0000000101")
	assert.Equal(t, true, st["read_only"], "a former primary made anew comes back read-only")
	assert.Equal(t, float64(3), st["replication_status"].(map[string]any)["io_state"], "and replicates from the new primary")
	assert.Contains(t, st["replication_status"].(map[string]any)["position"], ":1-4")
}

// TestVitessFollowCommands checks what StartReplication, StopReplication
// and ReparentTablet do to a replica.
func TestVitessFollowCommands(t *testing.T) {
	w := newWorld(t)
	w.tablet("0000000101", "replica")
	w.tablet("0000000102", "replica")
	w.mustVtctl("CreateKeyspace", "--durability-policy=none", "ks")
	code, out := w.vtctl("StartReplication", "zone1-0000000102")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "no primary tablet for shard ks/-80")

	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	w.mustVtctl("StopReplication", "zone1-0000000102")
	w.mustVtctl("ReparentTablet", "zone1-0000000102")
	assert.Equal(t, float64(1), w.status("0000000102")["replication_status"].(map[string]any)["io_state"],
		"ReparentTablet does not start replication that was stopped")
	w.mustVtctl("StartReplication", "zone1-0000000102")
	assert.Equal(t, float64(3), w.status("0000000102")["replication_status"].(map[string]any)["io_state"])
	code, out = w.vtctl("ReparentTablet", "zone1-0000000101")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "onto itself")
	code, out = w.vtctl("DeleteTablets", "zone1-0000000101")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "as it is a primary")
}

// TestVitessTopologyCommands checks cells and keyspaces.
func TestVitessTopologyCommands(t *testing.T) {
	w := newWorld(t)
	w.addPod("vt-zone1-vtctld-0", "uid-vtctld")
	run := func(args ...string) (int, string) {
		return w.as("vtctldclient", "vt-zone1-vtctld-0", append([]string{server}, args...)...)
	}
	code, out := run("AddCellInfo", "--root=/vitess/vt/zone1", "--server-address=etcd:2379", "zone1")
	require.Equal(t, 0, code, out)
	code, out = run("AddCellInfo", "--root=/vitess/vt/zone1", "--server-address=etcd:2379", "zone1")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "node already exists")
	for i := 0; i < 2; i++ {
		code, out = run("CreateKeyspace", "--force", "--durability-policy=semi_sync", "main")
		require.Equal(t, 0, code, out)
	}
	code, out = run("SetKeyspaceDurabilityPolicy", "--durability-policy=bogus", "main")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "not a valid policy")
	code, _ = run("Bogus")
	assert.Equal(t, 2, code)
}

// errantFormerPrimary makes a semi-sync shard of three tablets whose first
// primary, 101, committed n acknowledged writes and then one that no
// replica received, and was lost; ERS made 102 the primary and 103
// replicates from it. 101's pod is gone.
func errantFormerPrimary(t *testing.T, n int) *world {
	w := newWorld(t)
	for _, uid := range []string{"0000000101", "0000000102", "0000000103"} {
		w.tablet(uid, "replica")
	}
	w.mustVtctl("CreateKeyspace", "--durability-policy=semi_sync", "ks")
	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	code, out := w.as("tabletsim", tabletPod("0000000101"), "write", strconv.Itoa(n))
	require.Equal(t, 0, code, out)
	w.mustVtctl("StopReplication", "zone1-0000000102")
	w.mustVtctl("StopReplication", "zone1-0000000103")
	code, out = w.as("tabletsim", tabletPod("0000000101"), "write", "1")
	require.Equal(t, 1, code, "no replica receives, so nothing acknowledges: %s", out)
	w.removePod(tabletPod("0000000101"))
	w.mustVtctl("EmergencyReparentShard", "--new-primary=zone1-0000000102", "--expected-primary=zone1-0000000101", "ks/-80")
	w.mustVtctl("StartReplication", "zone1-0000000103")
	return w
}

// TestVitessEmergencyReparentPassesOverErrantGTIDs checks that ERS neither
// promotes nor catches up from a tablet holding transactions no other
// tablet reached holds, beyond those of its replication source: a primary
// that committed with no replica receiving, back after a failover
// (reparentutil/emergency_reparenter.go, findErrantGTIDs). Back while the
// new primary runs, its vttablet fails its start on the errant GTID
// (tm_init.go initializeReplication) and answers nobody; its mysqld holds
// the commit. With that primary lost too and its record deleted, it
// starts, and ERS passes it over.
func TestVitessEmergencyReparentPassesOverErrantGTIDs(t *testing.T) {
	w := errantFormerPrimary(t, 4)
	code, out := w.as("tabletsim", tabletPod("0000000102"), "write", "2")
	require.Equal(t, 0, code, out)
	w.addPod(tabletPod("0000000101"), "uid-new")
	code, out = w.vtctl("GetFullStatus", "zone1-0000000101")
	assert.Equal(t, 1, code, "its vttablet exits on the errant GTID: %s", out)
	assert.Contains(t, w.mysqldGTIDs("0000000101"), ":1-5", "the former primary kept its unacknowledged commit")

	w.removePod(tabletPod("0000000102"))
	w.mustVtctl("DeleteTablets", "--allow-primary", "zone1-0000000102")
	code, out = w.vtctl("EmergencyReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "requested primary elect zone1-0000000101 has errant GTIDs")
	w.mustVtctl("EmergencyReparentShard", "--new-primary=zone1-0000000103", "ks/-80")
	pos := w.status("0000000103")["primary_status"].(map[string]any)["position"].(string)
	assert.Regexp(t, ":1-4($|,)", pos, "the new primary holds what was acknowledged")
	assert.NotContains(t, pos, ":1-5", "and not the commit no replica received")
}

// TestVitessEmergencyReparentKeepsAReachablePrimarysWrites checks that ERS
// does not take the transactions of a primary it reached and demoted for
// errant (reparentutil/emergency_reparenter.go, findErrantGTIDs skips a
// tablet missing from the status map, whose answer was a primary status):
// it is the most advanced tablet, the intermediate source the new primary
// must catch up with by replication. A new primary whose replication ERS
// found stopped is not started (ReplicaWasRunning), never catches up, and
// ERS times out with nothing promoted; the primary holding the writes is
// then chosen. Found by make chaos: the simulator once promoted the lagging
// tablet as it was, and 47 acknowledged writes were lost.
func TestVitessEmergencyReparentKeepsAReachablePrimarysWrites(t *testing.T) {
	w := newWorld(t)
	for _, uid := range []string{"0000000101", "0000000102", "0000000103"} {
		w.tablet(uid, "replica")
	}
	w.mustVtctl("CreateKeyspace", "--durability-policy=semi_sync", "ks")
	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	code, out := w.as("tabletsim", tabletPod("0000000101"), "write", "4")
	require.Equal(t, 0, code, out)
	w.mustVtctl("StopReplication", "zone1-0000000103")
	code, out = w.as("tabletsim", tabletPod("0000000101"), "write", "3")
	require.Equal(t, 0, code, out)
	assert.Contains(t, out, "acknowledged by [vt-vttablet-zone1-0000000102]")
	w.removePod(tabletPod("0000000102"))

	code, out = w.vtctl("EmergencyReparentShard", "--new-primary=zone1-0000000103", "--expected-primary=zone1-0000000101", "ks/-80")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "timed out waiting for position")
	assert.Equal(t, true, w.status("0000000101")["read_only"], "the old primary was demoted")
	assert.Equal(t, true, w.status("0000000103")["read_only"], "the lagging tablet was not promoted")

	w.mustVtctl("EmergencyReparentShard", "--new-primary=zone1-0000000101", "--expected-primary=zone1-0000000101", "ks/-80")
	st := w.status("0000000101")
	assert.Equal(t, false, st["read_only"])
	assert.Regexp(t, ":1-7($|,)", st["primary_status"].(map[string]any)["position"], "every acknowledged write survived")
}

// TestATabletStartingAtSyncStaysUnreachableForTheCommand: a command looks
// at a tablet's mysqld once, when it syncs the tablets. A tablet whose
// start-up delay ended between that look and the command's answer had not
// run its vttablet start (initializeReplication), so it must not answer:
// the simulator once did, and a replica that should have been stuck served
// (scenario ReplicaRestartedWhilePrimaryLost failed under load).
func TestATabletStartingAtSyncStaysUnreachableForTheCommand(t *testing.T) {
	up := tablet{member: member{name: "p", dir: t.TempDir()}, alias: "zone1-0000000101"}
	pods := map[string]tablet{up.alias: up}
	_, ok := reachable(pods, up.alias)
	assert.True(t, ok, "mysqld up, vttablet started")
	up.starting = true
	pods[up.alias] = up
	_, ok = reachable(pods, up.alias)
	assert.False(t, ok, "mysqld came up after the sync looked")
}
