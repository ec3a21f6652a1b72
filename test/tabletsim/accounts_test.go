package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// credentialTablet registers the pod of tablet zone1-uid of ks/-80 whose
// mysqld is initialized with the operator's init SQL for initPassword and
// whose vttablet logs replication in with loginPassword, each from a Secret
// volume of its own, as the simulation host mounts them.
func (w *world) credentialTablet(uid, initPassword, loginPassword string) {
	pod := tabletPod(uid)
	secrets := func(name, key, content string) string {
		dir := filepath.Join(w.root, "secrets", "ns", pod, name)
		require.NoError(w.t, os.MkdirAll(dir, 0o700))
		require.NoError(w.t, os.WriteFile(filepath.Join(dir, key), []byte(content), 0o600))
		return dir
	}
	creds, err := json.Marshal(map[string][]string{replUser: {loginPassword}})
	require.NoError(w.t, err)
	initDir := secrets("init", vitess.MySQLInitSQLKey, vitess.RenderInitSQL(initPassword))
	loginDir := secrets("login", vitess.MySQLCredentialsKey, string(creds))
	args := func(a ...string) string { data, _ := json.Marshal(a); return string(data) }
	w.register(pod, "uid-"+pod, map[string]string{"TABLET_ALIAS": "zone1-" + uid, "TABLET_UID": uid, "TABLET_KEYSPACE": "ks",
		"TABLET_SHARD": "-80", "TABLET_TYPE": "replica",
		"SIM_ARGS_mysqld":   args("/vt/bin/mysqlctld", "--init-db-sql-file=/vt/secrets/mysql/init_db.sql"),
		"SIM_MOUNTS_mysqld": `{"/vt/secrets/mysql":"` + initDir + `"}`,
		"SIM_ARGS_vttablet": args("/vt/bin/vttablet", "--db-credentials-server=file",
			"--db-credentials-file=/vt/secrets/mysql/db_credentials.json"),
		"SIM_MOUNTS_vttablet": `{"/vt/secrets/mysql":"` + loginDir + `"}`,
	})
}

// TestReplicationLogsInWithTheTabletsCredentials proves a mysqld keeps the
// accounts its init SQL made, a replica whose vttablet holds the repl
// account's password replicates, one whose password its source refuses
// reports MySQL's access denied error, receives nothing and acknowledges
// nothing, and cannot be made primary by a planned reparent.
func TestReplicationLogsInWithTheTabletsCredentials(t *testing.T) {
	w := newWorld(t)
	w.credentialTablet("0000000101", "right", "right")
	w.credentialTablet("0000000102", "right", "right")
	w.credentialTablet("0000000103", "right", "wrong")
	w.mustVtctl("CreateKeyspace", "ks")
	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")
	code, out := w.as("tabletsim", tabletPod("0000000101"), "write", "4")
	require.Equal(t, 0, code, out)

	s, err := member{dir: w.dir(tabletPod("0000000101"))}.load()
	require.NoError(t, err)
	assert.Equal(t, "right", s.Accounts["vt_repl@%"], "the init SQL made the repl account with its password")
	assert.Contains(t, s.Accounts, "vt_dba@localhost")

	ok := w.status("0000000102")["replication_status"].(map[string]any)
	assert.Contains(t, ok["position"], ":1-4")
	assert.Equal(t, "", ok["last_io_error"])
	refused := w.status("0000000103")["replication_status"].(map[string]any)
	assert.Equal(t, float64(2), refused["io_state"], "connecting")
	assert.Contains(t, refused["last_io_error"], "Access denied for user 'vt_repl'")
	assert.Equal(t, "MySQL56/", refused["position"], "nothing replicated")

	code, out = w.vtctl("PlannedReparentShard", "--new-primary=zone1-0000000103", "ks/-80")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, out, "did not catch up in time")
}

// TestInitSQLAccounts proves the simulator reads the accounts of the
// operator's init SQL, and that a mysqld without one holds Vitess's
// built-in passwordless repl account.
func TestInitSQLAccounts(t *testing.T) {
	got := parseAccounts(vitess.RenderInitSQL("it's"))
	assert.Equal(t, "it's", got["vt_repl@%"])
	assert.Equal(t, "", got["vt_app@localhost"])
	accounts, err := initAccounts(map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"vt_repl@%": ""}, accounts)
	_, err = initAccounts(map[string]string{"SIM_ARGS_mysqld": `["/vt/bin/mysqlctld","--init-db-sql-file=/etc/init.sql"]`})
	assert.ErrorContains(t, err, "on no volume")
}

// TestASecretChangedUnderARunningReplica proves a replica's vttablet keeps
// the password it read at start, as real Vitess v24 does (test/realvitess,
// TestMySQLCredentials): the credentials file changed under its running pod
// changes nothing, and its pod made anew logs in with the new one.
func TestASecretChangedUnderARunningReplica(t *testing.T) {
	w := newWorld(t)
	w.credentialTablet("0000000101", "right", "right")
	w.credentialTablet("0000000102", "right", "right")
	w.mustVtctl("CreateKeyspace", "ks")
	w.mustVtctl("PlannedReparentShard", "--new-primary=zone1-0000000101", "ks/-80")

	pod := tabletPod("0000000102")
	creds, err := json.Marshal(map[string][]string{replUser: {"wrong"}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(w.root, "secrets", "ns", pod, "login", vitess.MySQLCredentialsKey), creds, 0o600))
	code, out := w.as("tabletsim", tabletPod("0000000101"), "write", "2")
	require.Equal(t, 0, code, out)
	running := w.status("0000000102")["replication_status"].(map[string]any)
	assert.Equal(t, "", running["last_io_error"])
	assert.Contains(t, running["position"], ":1-2")

	w.addPod(pod, "uid-2-"+pod)
	anew := w.status("0000000102")["replication_status"].(map[string]any)
	assert.Equal(t, float64(2), anew["io_state"], "connecting")
	assert.Contains(t, anew["last_io_error"], "Access denied for user 'vt_repl'")
}
