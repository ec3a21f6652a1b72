package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// backupTablet registers tablet zone1-uid of ks/-80 whose vttablet keeps
// backups in a file store, in the pod with UID podUID, on the shared claim "backups", restoring at start.
func (w *world) backupTablet(uid, podUID, restoreTS string) {
	pod := tabletPod(uid)
	args := []string{"/vt/bin/vttablet", "--backup-storage-implementation=file", "--file-backup-storage-root=/vt/backups/vt",
		"--restore-from-backup"}
	if restoreTS != "" {
		args = append(args, "--restore-from-backup-ts="+restoreTS)
	}
	w.register(pod, podUID, w.processEnv(map[string]string{"TABLET_ALIAS": "zone1-" + uid, "TABLET_UID": uid,
		"TABLET_KEYSPACE": "ks", "TABLET_SHARD": "-80", "TABLET_TYPE": "replica"}, "vttablet", args))
}

// processEnv adds to env a container's command line and its mount of the
// backup claim, as the simulation host records them.
func (w *world) processEnv(env map[string]string, container string, args []string) map[string]string {
	a, err := json.Marshal(args)
	require.NoError(w.t, err)
	env["SIM_ARGS_"+container] = string(a)
	env["SIM_MOUNTS_"+container] = `{"/vt/backups":"` + filepath.Join(w.root, "claims", "ns", "backups") + `"}`
	return env
}

// TestBackupAndRestoreFollowVitess walks the backup path: a PRIMARY is not
// backed up unless allowed; a replica's backup is listed by vtctld from its
// own store; a tablet made anew on an empty claim restores the latest
// complete backup (not an incomplete one) and then catches up from the
// primary; --restore-from-backup-ts picks an older one; RemoveBackup drops one.
func TestBackupAndRestoreFollowVitess(t *testing.T) {
	w := newWorld(t)
	w.backupTablet("0000000101", "a", "")
	w.backupTablet("0000000102", "b", "")
	w.register("vt-vtctld-0", "uid-vtctld", w.processEnv(map[string]string{}, "vtctld",
		[]string{"/vt/bin/vtctld", "--backup-storage-implementation=file", "--file-backup-storage-root=/vt/backups/vt"}))
	vtctl := func(args ...string) (int, string) {
		return w.as("vtctldclient", "vt-vtctld-0", append([]string{server}, args...)...)
	}
	w.mustVtctl("CreateKeyspace", "ks")
	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	code, out := w.as("tabletsim", tabletPod("0000000101"), "write", "5")
	require.Equal(t, 0, code, out)

	code, out = vtctl("Backup", "zone1-0000000101")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "type PRIMARY cannot take backup")
	code, out = vtctl("Backup", "zone1-0000000102")
	require.Equal(t, 0, code, out)
	code, out = vtctl("GetBackups", "--json", "ks/-80")
	require.Equal(t, 0, code, out)
	var listed struct {
		Backups []struct{ Name string } `json:"backups"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &listed))
	require.Len(t, listed.Backups, 1)
	first := listed.Backups[0].Name
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}\.\d{6}\.zone1-0000000102$`, first)

	// An incomplete backup (no MANIFEST), newer by name, is never restored.
	require.NoError(t, os.MkdirAll(filepath.Join(w.root, "claims", "ns", "backups", "vt", "ks", "-80", "9999-01-01.000000.zone1-0000000102"), 0o755))
	code, out = w.as("tabletsim", tabletPod("0000000101"), "write", "3")
	require.Equal(t, 0, code, out)

	// The replica loses its claim: its pod is made anew on an empty one.
	w.removePod(tabletPod("0000000102"))
	require.NoError(t, os.RemoveAll(w.dir(tabletPod("0000000102"))))
	w.backupTablet("0000000102", "c", "")
	st := w.status("0000000102")
	s, err := member{dir: w.dir(tabletPod("0000000102"))}.load()
	require.NoError(t, err)
	assert.Equal(t, first, s.RestoredFrom, "restored from the latest complete backup")
	restored, err := parsePosition(s.RestorePosition)
	require.NoError(t, err)
	assert.Equal(t, uint64(5), restored.Count(), "the backup held the 5 writes before it")
	assert.Contains(t, st["replication_status"].(map[string]any)["position"], ":1-8", "then it catches up from the primary")

	code, out = vtctl("RemoveBackup", "ks/-80", first)
	require.Equal(t, 0, code, out)
	code, out = vtctl("GetBackups", "ks/-80")
	require.Equal(t, 0, code, out)
	assert.Equal(t, "9999-01-01.000000.zone1-0000000102", out, "only the incomplete one is left")

	// --restore-from-backup-ts before every backup: the tablet starts empty.
	w.removePod(tabletPod("0000000102"))
	require.NoError(t, os.RemoveAll(w.dir(tabletPod("0000000102"))))
	w.backupTablet("0000000102", "d", "2000-01-01.000000")
	w.status("0000000102")
	s, err = member{dir: w.dir(tabletPod("0000000102"))}.load()
	require.NoError(t, err)
	assert.Empty(t, s.RestoredFrom)
}
