package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTeardownDiscardsATabletsData proves mysqlctl teardown takes the
// tablet's mysqld down in its pod and removes its data, errant commit
// included; the pod made next on the claim starts empty, with a new
// server_uuid, and catches up from the primary when pointed at it.
func TestTeardownDiscardsATabletsData(t *testing.T) {
	w := errantFormerPrimary(t, 3)
	w.addPod(tabletPod("0000000101"), "uid-second")
	code, out := w.vtctl("GetFullStatus", "zone1-0000000101")
	assert.Equal(t, 1, code, "its vttablet exits on the errant GTID: %s", out)
	assert.Contains(t, w.mysqldGTIDs("0000000101"), ":1-4", "the former primary kept its errant commit")

	code, out = w.as("mysqlctl", tabletPod("0000000101"), "--tablet-uid=0000000101", "teardown", "--force")
	assert.Equal(t, 1, code, "a zero-padded UID names another tablet: %s", out)
	code, out = w.as("mysqlctl", tabletPod("0000000101"), "--tablet-uid=101", "teardown", "--force", "--wait-time=20s")
	require.Equal(t, 0, code, out)
	code, _ = w.vtctl("GetFullStatus", "zone1-0000000101")
	assert.NotEqual(t, 0, code, "its mysqld is down until the pod goes")

	w.addPod(tabletPod("0000000101"), "uid-third")
	assert.Empty(t, w.mysqldGTIDs("0000000101"), "a new data directory holds nothing")
	w.mustVtctl("ReparentTablet", "zone1-0000000101")
	w.mustVtctl("StartReplication", "zone1-0000000101")
	primary := w.status("0000000102")["primary_status"].(map[string]any)["position"]
	assert.Equal(t, primary, w.status("0000000101")["replication_status"].(map[string]any)["position"],
		"rebuilt, it holds what the primary holds and nothing else")
}

// TestEmergencyReparentNeverPromotesAnEmptyTablet replays what make chaos
// found when ERS's errant-GTID check was simplified: a tablet rebuilt
// empty while its primary was lost, the only one besides a replica that
// holds every write, made every
// write of the replica look errant and was promoted with nothing. ERS
// checks a tablet that has not seen every promotion (its reparent journal
// is shorter) against the others, not the others against it, and never
// takes a tablet with no transactions as a candidate
// (reparentutil/emergency_reparenter.go, findErrantGTIDs). Made anew while
// the recorded primary is lost, the tablet's vttablet cannot start
// (initializeReplication) and ERS cannot reach it, until the lost
// primary's record is deleted.
func TestEmergencyReparentNeverPromotesAnEmptyTablet(t *testing.T) {
	w := errantFormerPrimary(t, 3)
	code, out := w.as("tabletsim", tabletPod("0000000102"), "write", "2")
	require.Equal(t, 0, code, out)
	w.addPod(tabletPod("0000000101"), "uid-second")
	code, out = w.as("mysqlctl", tabletPod("0000000101"), "--tablet-uid=101", "teardown", "--force")
	require.Equal(t, 0, code, out)
	held := w.status("0000000103")["replication_status"].(map[string]any)["position"]
	w.removePod(tabletPod("0000000102"))
	w.addPod(tabletPod("0000000101"), "uid-third")
	code, out = w.vtctl("GetFullStatus", "zone1-0000000101")
	assert.Equal(t, 1, code, "its vttablet waits for the recorded primary: %s", out)
	code, out = w.vtctl("EmergencyReparentShard", "--new-primary=zone1-0000000103", "--expected-primary=zone1-0000000102", "ks/-80")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "could not reach sufficient tablets to guarantee safety")

	w.mustVtctl("DeleteTablets", "--allow-primary", "zone1-0000000102")
	assert.NotContains(t, w.status("0000000101")["primary_status"].(map[string]any)["position"], ":", "made anew, it holds nothing")
	code, out = w.vtctl("EmergencyReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "requested primary elect zone1-0000000101 has errant GTIDs")
	w.mustVtctl("EmergencyReparentShard", "--new-primary=zone1-0000000103", "ks/-80")
	assert.Equal(t, held, w.status("0000000103")["primary_status"].(map[string]any)["position"], "the new primary keeps every write")
}
