package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A simulated mysqld holds its accounts with its data, as mysql.user: made
// by the init SQL when mysqlctld initializes an empty data directory
// (mysqlctl/mysqld.go Init: the file --init-db-sql-file names, else
// Vitess's built-in config/init_db.sql, whose accounts have no password),
// carried by backups and restored with them. A replica's IO thread logs in
// to its source as the repl user with the password vttablet gives it in
// CHANGE REPLICATION SOURCE (mysql/flavor_mysql.go), which vttablet reads
// from its credentials file (dbconfigs/credentials.go: the file server,
// the user's first password; a user the file lacks keeps the empty one).
// A password the source does not hold for that account is refused (MySQL
// error 1045): the IO thread keeps connecting and nothing replicates.

// replAccount is the account replicas log in as (dbconfigs: vt_repl, any host).
const (
	replUser    = "vt_repl"
	replAccount = replUser + "@%"
)

// createUser matches the CREATE USER statements of an init SQL file, with
// the password an IDENTIFIED BY clause gives.
var createUser = regexp.MustCompile(`(?i)CREATE USER (?:IF NOT EXISTS )?'([^']*)'@'([^']*)'(?: IDENTIFIED BY '((?:[^']|'')*)')?`)

// parseAccounts reads the accounts an init SQL file makes, as user@host to
// password.
func parseAccounts(sql string) map[string]string {
	accounts := map[string]string{}
	for _, m := range createUser.FindAllStringSubmatch(sql, -1) {
		accounts[m[1]+"@"+m[2]] = strings.ReplaceAll(m[3], "''", "'")
	}
	return accounts
}

// builtinAccounts are the accounts of Vitess's built-in init SQL that the
// simulator checks: the repl account, without a password.
func builtinAccounts() map[string]string { return map[string]string{replAccount: ""} }

// initAccounts are the accounts a tablet's mysqld makes when it initializes
// an empty data directory: those of the init SQL file its mysqlctld names.
func initAccounts(env map[string]string) (map[string]string, error) {
	path := processFlags(env, "mysqld")["init-db-sql-file"]
	if path == "" {
		return builtinAccounts(), nil
	}
	data, err := readMounted(env, "mysqld", path)
	if err != nil {
		return nil, fmt.Errorf("init-db-sql-file: %w", err)
	}
	return parseAccounts(string(data)), nil
}

// accountPassword is the password an account holds; a data directory from
// before the simulator kept accounts holds the built-in ones.
func (s *state) accountPassword(account string) (string, bool) {
	if s.Accounts == nil {
		p, ok := builtinAccounts()[account]
		return p, ok
	}
	p, ok := s.Accounts[account]
	return p, ok
}

// replPassword is the password a tablet's vttablet logs its replication in
// with: the repl user's first one in its credentials file.
func replPassword(env map[string]string) (string, error) {
	flags := processFlags(env, "vttablet")
	if server := flags["db-credentials-server"]; server != "" && server != "file" {
		return "", fmt.Errorf("db-credentials-server %q is not simulated", server)
	}
	path := flags["db-credentials-file"]
	if path == "" {
		return "", nil
	}
	data, err := readMounted(env, "vttablet", path)
	if err != nil {
		return "", fmt.Errorf("db-credentials-file: %w", err)
	}
	var creds map[string][]string
	if err := json.Unmarshal(data, &creds); err != nil {
		return "", fmt.Errorf("db-credentials-file %s: %w", path, err)
	}
	if p := creds[replUser]; len(p) > 0 {
		return p[0], nil
	}
	return "", nil
}

// vttabletCredentials is the file, in a tablet's data directory, that
// keeps the repl password its vttablet read at start, by pod UID. vttablet
// reads its credentials file once (dbconfigs/credentials.go: the file
// server caches it) and logs replication in with that password at every
// CHANGE REPLICATION SOURCE until it restarts: a Secret changed under a
// running pod, whose volume the kubelet updates, changes nothing until the
// pod is made anew, as real Vitess v24 shows (test/realvitess,
// TestMySQLCredentials: the replica went on replicating, even after
// ReparentTablet, and failed only once restarted).
const vttabletCredentials = "vttablet-credentials.json"

// startedPassword is the repl password of a tablet's current vttablet: the
// one its credentials file held when it started (startTablet reads it
// then), or, for a member whose pod UID is unknown, the file's.
func startedPassword(m member) (string, error) {
	if m.uid == "" {
		return replPassword(m.env)
	}
	path := filepath.Join(m.dir, vttabletCredentials)
	var snap struct {
		Pod      string `json:"pod"`
		Password string `json:"password"`
	}
	if data, err := os.ReadFile(path); err == nil && json.Unmarshal(data, &snap) == nil && snap.Pod == m.uid {
		return snap.Password, nil
	}
	password, err := replPassword(m.env)
	if err != nil {
		return "", err
	}
	snap.Pod, snap.Password = m.uid, password
	data, err := json.Marshal(snap)
	if err != nil {
		return "", err
	}
	// Another command may read it meanwhile: a whole file or none.
	tmp, err := os.CreateTemp(m.dir, vttabletCredentials+".*")
	if err != nil {
		return "", fmt.Errorf("keeping vttablet's credentials: %w", err)
	}
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("keeping vttablet's credentials: %w", werr)
	}
	return password, nil
}

// replAuthError is the error a replica's IO thread reports when its source,
// at sourceHost, refuses its login, as MySQL's Last_IO_Error shows it; ""
// when the source accepts it. The client host is the replica's pod name,
// where mysqld (skip-name-resolve) would print its IP: the simulator has
// no addresses.
func replAuthError(replica member, sourceHost string, source state) string {
	password, err := startedPassword(replica)
	if err != nil {
		return err.Error()
	}
	if want, ok := source.accountPassword(replAccount); ok && want == password {
		return ""
	}
	return fmt.Sprintf("error connecting to source '%s@%s:%d' - retry-time: 10 retries: 1 message: Access denied for user '%s'@'%s' (using password: %s)",
		replUser, sourceHost, mysqlPort, replUser, replica.name, map[bool]string{true: "YES", false: "NO"}[password != ""])
}

// readMounted reads a file a container names by path, from the volume the
// simulation host mounted there (SIM_MOUNTS_<container>).
func readMounted(env map[string]string, container, path string) ([]byte, error) {
	host, err := mountedPath(env, container, path)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(host)
}

// mountedPath is the host path of a container's path: under the deepest
// volume mounted at or above it. A path on no volume is in the container's
// own filesystem, which the simulator does not have.
func mountedPath(env map[string]string, container, path string) (string, error) {
	mounts := map[string]string{}
	_ = json.Unmarshal([]byte(env["SIM_MOUNTS_"+container]), &mounts)
	best := ""
	for m := range mounts {
		if (path == m || strings.HasPrefix(path, strings.TrimSuffix(m, "/")+"/")) && len(m) > len(best) {
			best = m
		}
	}
	if best == "" {
		return "", fmt.Errorf("%q is on no volume of container %s", path, container)
	}
	return filepath.Join(mounts[best], strings.TrimPrefix(path, best)), nil
}
