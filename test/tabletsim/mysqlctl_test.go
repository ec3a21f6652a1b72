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
	before := w.status("0000000101")
	assert.Contains(t, before["replication_status"].(map[string]any)["position"], ":1-4", "the former primary kept its errant commit")

	code, out := w.as("mysqlctl", tabletPod("0000000101"), "--tablet-uid=0000000101", "teardown", "--force")
	assert.Equal(t, 1, code, "a zero-padded UID names another tablet: %s", out)
	code, out = w.as("mysqlctl", tabletPod("0000000101"), "--tablet-uid=101", "teardown", "--force", "--wait-time=20s")
	require.Equal(t, 0, code, out)
	code, _ = w.vtctl("GetFullStatus", "zone1-0000000101")
	assert.NotEqual(t, 0, code, "its mysqld is down until the pod goes")

	w.addPod(tabletPod("0000000101"), "uid-third")
	after := w.status("0000000101")
	assert.NotEqual(t, before["server_uuid"], after["server_uuid"], "a new data directory, a new server_uuid")
	w.mustVtctl("ReparentTablet", "zone1-0000000101")
	w.mustVtctl("StartReplication", "zone1-0000000101")
	primary := w.status("0000000102")["primary_status"].(map[string]any)["position"]
	assert.Equal(t, primary, w.status("0000000101")["replication_status"].(map[string]any)["position"],
		"rebuilt, it holds what the primary holds and nothing else")
}
