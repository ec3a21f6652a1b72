package realvitess

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/scenarios"
)

// credentialsSecret is the Secret the tier's shard names: the cluster's
// generated one, which the tier makes as the operator does.
var credentialsSecret = vitess.MySQLCredentialsSecretName(clusterName)

// replPassword is the replication password of the shard's credentials
// Secret, from its credentials file.
func (s shard) replPassword() string {
	s.t.Helper()
	data, ok := s.secretData(credentialsSecret)
	require.True(s.t, ok, "the tier has no Secret %s", credentialsSecret)
	var creds map[string][]string
	require.NoError(s.t, json.Unmarshal([]byte(data[vitess.MySQLCredentialsKey]), &creds))
	require.NotEmpty(s.t, creds[vitess.ReplicationUser], "the credentials file has no %s", vitess.ReplicationUser)
	return creds[vitess.ReplicationUser][0]
}

// networkAddr is an address of this host other than loopback, from which
// a connection to mysqld is one from the network, as another pod's is: the
// loopback accounts MariaDB's mysql_install_db makes (root@127.0.0.1,
// root@::1) do not match it. Loopback when the host has none.
func networkAddr(t *testing.T) string {
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil && !ip.IP.IsLoopback() && !ip.IP.IsLinkLocalUnicast() {
			return ip.IP.String()
		}
	}
	t.Logf("the host has no address but loopback: logins come from 127.0.0.1")
	return "127.0.0.1"
}

// tcpLogin logs in to a tablet's mysqld over TCP at addr, as a replica or
// any pod reaching its port would, with the MariaDB client, and runs
// SELECT CURRENT_USER(). The password goes by MYSQL_PWD, not the command
// line, and no message prints it.
func (s shard) tcpLogin(alias, addr, user, password string) dataplane.Result {
	s.t.Helper()
	tb, err := s.tablet(alias)
	require.NoError(s.t, err)
	argv := []string{filepath.Join(s.podBin(), "mysql"), "--no-defaults", "--protocol=TCP", "--host=" + addr,
		"--port=" + strconv.Itoa(tb.mysqlPort), "--user=" + user, "--batch", "--skip-column-names", "--execute=SELECT CURRENT_USER()"}
	env := hostEnv(tb.dir)
	if password != "" {
		env = append(env, "MYSQL_PWD="+password)
	}
	res, err := s.runHost(s.ctx, tb.dir, env, argv)
	require.NoError(s.t, err)
	return res
}

// networkHost matches the accounts a client over TCP can log in as, from
// another pod or from a container of the tablet's own pod over loopback
// (a sidecar): every one but the socket's, and not one named by the host's
// name, which mysqld ignores under skip-name-resolve (Vitess's my.cnf sets
// it; MariaDB's mysql_install_db makes root@<hostname>).
const networkHost = "Host <> 'localhost' AND NOT (@@skip_name_resolve = 1 AND Host = @@hostname)"

// networkAccountsWithoutPassword lists the accounts of a tablet's mysqld
// that a client from the network reaches and that have no password, read
// both from MariaDB's mysql.user, a view since 10.4, and from
// mysql.global_priv, the table under it.
func (s shard) networkAccountsWithoutPassword(alias string) (user, globalPriv string) {
	s.t.Helper()
	user, err := s.Query(s.ctx, alias, "SELECT CONCAT(User, '@', Host) FROM mysql.user WHERE "+networkHost+
		" AND IFNULL(authentication_string, '') = '' AND IFNULL(Password, '') = '' ORDER BY 1")
	require.NoError(s.t, err)
	globalPriv, err = s.Query(s.ctx, alias, "SELECT CONCAT(User, '@', Host) FROM mysql.global_priv WHERE "+networkHost+
		" AND IFNULL(JSON_VALUE(Priv, '$.authentication_string'), '') = '' ORDER BY 1")
	require.NoError(s.t, err)
	return strings.TrimSpace(user), strings.TrimSpace(globalPriv)
}

// replicationStatus is what GetFullStatus says of a tablet's replication.
type replicationStatus struct {
	IOState     int    `json:"io_state"`
	SQLState    int    `json:"sql_state"`
	LastIOError string `json:"last_io_error"`
}

// fullStatus reads a tablet's replication status through vtctld, as VTOrc
// and the operator's status do.
func (s shard) fullStatus(alias string) (replicationStatus, error) {
	res, err := s.Executor().Exec(s.ctx, s.Member(alias).Target, dataplane.VtctldclientArgs(s.Server(), "GetFullStatus", alias))
	if err != nil {
		return replicationStatus{}, err
	}
	// vtctldclient prints the status itself, with proto field names.
	var out struct {
		Replication replicationStatus `json:"replication_status"`
	}
	if res.ExitCode != 0 {
		return replicationStatus{}, &mysqlError{tablet: alias, query: "GetFullStatus", exit: res.ExitCode, stderr: res.Stderr}
	}
	if err := json.Unmarshal([]byte(res.Stdout), &out); err != nil {
		return replicationStatus{}, err
	}
	return out.Replication, nil
}

// editSecret edits the credentials Secret's credentials file to hold
// password, as a user would.
func (s shard) editSecret(password string) {
	s.t.Helper()
	data, ok := s.secretData(credentialsSecret)
	require.True(s.t, ok)
	creds, err := json.Marshal(map[string][]string{vitess.ReplicationUser: {password}})
	require.NoError(s.t, err)
	data[vitess.MySQLCredentialsKey] = string(creds)
	s.setSecret(credentialsSecret, data)
}

// refreshSecret updates a running tablet's Secret volumes, as the kubelet
// does some time after a Secret changes.
func (s shard) refreshSecret(alias string) {
	s.t.Helper()
	tb, err := s.tablet(alias)
	require.NoError(s.t, err)
	tb.mu.Lock()
	defer tb.mu.Unlock()
	require.NoError(s.t, s.writeSecretVolumes(tb))
}

// restart makes a tablet's pod anew, which reads the Secret as it is; its
// mysqld keeps its data, and so the accounts its first start made.
func (s shard) restart(alias string) {
	s.t.Helper()
	require.NoError(s.t, s.StopTablet(s.ctx, alias))
	require.NoError(s.t, s.StartTablet(s.ctx, alias))
	require.NoError(s.t, s.WaitServing(s.ctx, alias))
}

// TestMySQLCredentials: tablets that take their init SQL and credentials
// file from the generated credentials Secret, as the operator renders them,
// elect a primary and replicate; vt_repl, the one account reachable over
// the network, refuses a login without the Secret's password (1045) and
// takes one with it, and no network account is passwordless. When the
// Secret's password changes, a running replica goes on replicating (its
// vttablet read the file at start), and once its pod is made anew it does
// not: vttablet sets its source with the password at start, GetFullStatus
// reports the source's access denied error, and PlannedReparentShard to it
// fails. Made anew with the right password, it catches up. No log holds
// the password.
func TestMySQLCredentials(t *testing.T) {
	skipUnlessBuilt(t)
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 3, Durability: "semi_sync"})
	tablets := s.Tablets()
	primary, replica, other := tablets[0], tablets[1], tablets[2]
	password := s.replPassword()
	require.GreaterOrEqual(t, len(password), 16, "the generated replication password is short")

	s.seed(primary)
	s.write(primary, 5)
	for _, a := range tablets[1:] {
		s.rowsOn(a, 5)
	}

	accounts, err := s.Query(s.ctx, primary, "SELECT CONCAT(User, '@', Host, ' ', plugin, IF(authentication_string = '', ' (no password)', '')) "+
		"FROM mysql.user WHERE Host <> 'localhost' ORDER BY 1")
	require.NoError(t, err)
	t.Logf("accounts of %s but at localhost: %q", primary, strings.Split(strings.TrimSpace(accounts), "\n"))
	addr := networkAddr(t)
	for _, a := range []string{primary, replica} {
		res := s.tcpLogin(a, addr, vitess.ReplicationUser, "")
		require.NotZero(t, res.ExitCode, "%s: vt_repl logged in from %s without a password", a, addr)
		require.Contains(t, res.Stderr, "ERROR 1045 ", "%s: vt_repl without a password", a)
		res = s.tcpLogin(a, addr, vitess.ReplicationUser, password)
		require.Zero(t, res.ExitCode, "%s: vt_repl with the Secret's password: %s", a, res.Stderr)
		require.Equal(t, "vt_repl@%", strings.TrimSpace(res.Stdout))
		for _, from := range []string{addr, "127.0.0.1"} {
			// Not from another pod, nor from a sidecar over loopback.
			res = s.tcpLogin(a, from, "root", "")
			require.Contains(t, res.Stderr, "ERROR 1045 ", "%s: root from %s without a password", a, from)
		}
		user, priv := s.networkAccountsWithoutPassword(a)
		require.Empty(t, user, "%s: passwordless network accounts in mysql.user", a)
		require.Empty(t, priv, "%s: passwordless network accounts in mysql.global_priv", a)
	}

	// The Secret changes. A running replica's volume follows it, but its
	// vttablet read the credentials file at start: it goes on
	// replicating, even told to set its source again (ReparentTablet:
	// CHANGE MASTER with the password it holds).
	s.editSecret("not-" + password)
	s.refreshSecret(replica)
	s.mustVtctld(replica, "ReparentTablet", replica)
	s.write(primary, 1)
	s.rowsOn(replica, 6)

	// Its new pod's vttablet holds the other password, and sets its
	// source with it at start.
	s.restart(replica)
	s.write(primary, 1)
	s.rowsOn(other, 7)
	n, err := s.Rows(s.ctx, replica)
	require.NoError(t, err)
	st, err := s.fullStatus(replica)
	require.NoError(t, err)
	t.Logf("%s restarted with another password, before ReparentTablet: %d rows (of 7), io_state %d, last_io_error %q",
		replica, n, st.IOState, st.LastIOError)

	res := s.vtctld(replica, "ReparentTablet", replica)
	t.Logf("ReparentTablet %s: exit %d %s", replica, res.ExitCode, strings.TrimSpace(res.Stderr))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		st, err = s.fullStatus(replica)
		assert.NoError(c, err)
		assert.Contains(c, st.LastIOError, "Access denied for user 'vt_repl'")
	}, time.Minute, 200*time.Millisecond, "%s: GetFullStatus shows no access denied error", replica)
	t.Logf("%s with another password: io_state %d, sql_state %d, last_io_error %q", replica, st.IOState, st.SQLState, st.LastIOError)
	// Its IO thread has no connection: what the primary commits now does
	// not reach it.
	before, err := s.Rows(s.ctx, replica)
	require.NoError(t, err)
	s.write(primary, 2)
	s.rowsOn(other, 9)
	after, err := s.Rows(s.ctx, replica)
	require.NoError(t, err)
	require.Equal(t, before, after, "%s replicated with a password its source refuses", replica)

	t0 := time.Now()
	res = s.vtctld(replica, "PlannedReparentShard", "--new-primary="+replica, "--wait-replicas-timeout=5s", s.name())
	t.Logf("PlannedReparentShard to %s: exit %d after %v: %s", replica, res.ExitCode, round(time.Since(t0)), strings.TrimSpace(res.Stderr))
	require.NotZero(t, res.ExitCode, "PlannedReparentShard made %s, which does not replicate, primary", replica)
	require.Eventually(t, func() bool {
		w, err := s.Writable(s.ctx, primary)
		return err == nil && w
	}, time.Minute, 200*time.Millisecond, "%s is not primary again after the failed PlannedReparentShard", primary)
	require.False(t, s.writable(replica))

	// The right password back: the replica catches up.
	s.editSecret(password)
	s.restart(replica)
	s.rowsOn(replica, 9)
	st, err = s.fullStatus(replica)
	require.NoError(t, err)
	require.Empty(t, st.LastIOError)

	// No log of the tier, the processes' and mysqld's, holds the password.
	for _, f := range logFiles(s.dir) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NotContains(t, string(data), password, "%s holds the replication password", f)
	}
}

// TestMySQLWithoutCredentials: a shard without a credentials Secret, as one
// made before the operator generated them, runs Vitess's built-in init SQL
// (the tier's MariaDB copy): it elects a primary and replicates, and its
// vt_repl takes a login from the network without a password, the opening
// the Secret closes.
func TestMySQLWithoutCredentials(t *testing.T) {
	skipUnlessBuilt(t)
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 2, Durability: "semi_sync"},
		WithoutMySQLCredentials())
	primary, replica := s.Tablets()[0], s.Tablets()[1]
	s.seed(primary)
	s.write(primary, 3)
	s.rowsOn(replica, 3)
	res := s.tcpLogin(replica, networkAddr(t), vitess.ReplicationUser, "")
	require.Zero(t, res.ExitCode, "vt_repl without a password: %s", res.Stderr)
	user, priv := s.networkAccountsWithoutPassword(replica)
	require.Contains(t, strings.Split(user, "\n"), "vt_repl@%")
	require.Contains(t, strings.Split(priv, "\n"), "vt_repl@%")
}
