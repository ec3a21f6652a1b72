package realvitess

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/test/scenarios"
)

// backupPath is the cluster's directory in the backup store.
const backupPath = "rv-backups"

// operator is the driver's vtctld runner, execing into the vtctld pod as the
// shard reconciler's backups do.
func (s shard) operator() dataplane.Vtctld {
	return dataplane.NewVtctld(s.Executor(), s.Server(), namespace, s.VtctldPod())
}

// backups lists the shard's backups through vtctld, oldest first.
func (s shard) backups() []dataplane.Backup {
	s.t.Helper()
	b, err := s.operator().GetBackups(s.ctx, s.cfg.Keyspace, s.cfg.Shard)
	require.NoError(s.t, err)
	return b
}

// debugVars reads a tablet's expvars from its web port.
func (s shard) debugVars(alias string) (map[string]json.RawMessage, error) {
	tb, err := s.tablet(alias)
	if err != nil {
		return nil, err
	}
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/debug/vars", tb.webPort))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /debug/vars of %s: %s", alias, resp.Status)
	}
	vars := map[string]json.RawMessage{}
	if err := json.NewDecoder(resp.Body).Decode(&vars); err != nil {
		return nil, fmt.Errorf("reading /debug/vars of %s: %w", alias, err)
	}
	return vars, nil
}

// restored reads what a tablet says it restored at start: the time of the
// backup (RestoredBackupTime) and its position (RestorePosition), the stats
// of vttablet/tabletmanager/restore.go; empty when it restored nothing.
func (s shard) restored(alias string) (backupTime, position string, err error) {
	vars, err := s.debugVars(alias)
	if err != nil {
		return "", "", err
	}
	str := func(name string) (string, error) {
		var v string
		if raw, ok := vars[name]; ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				return "", fmt.Errorf("%s of %s: %w", name, alias, err)
			}
		}
		return v, nil
	}
	if backupTime, err = str("RestoredBackupTime"); err != nil {
		return "", "", err
	}
	position, err = str("RestorePosition")
	return backupTime, position, err
}

// replicating waits until a tablet is a read-only replica whose IO and SQL
// threads run.
func (s shard) replicating(alias string) {
	s.t.Helper()
	require.EventuallyWithT(s.t, func(c *assert.CollectT) {
		w, err := s.Writable(s.ctx, alias)
		assert.NoError(c, err)
		assert.False(c, w, "%s is writable", alias)
		out, err := s.Query(s.ctx, alias, "SHOW ALL SLAVES STATUS")
		assert.NoError(c, err)
		assert.Contains(c, out, "\tYes\tYes\t", "%s does not replicate", alias)
	}, time.Minute, 100*time.Millisecond)
}

// fileBackup is a backup store on a volume claim, as example/backup.yaml
// has it.
func fileBackup() *v1alpha1.BackupSpec {
	return &v1alpha1.BackupSpec{Location: v1alpha1.BackupLocation{Path: backupPath,
		Volume: &v1alpha1.BackupVolume{ClaimName: "backup"}}}
}

// TestBackupRestoreFile: with the builtin engine and a file store on a
// shared claim, the operator's Backup of the rdonly tablet lands in the
// store and GetBackups lists it; a semi-sync replica whose claim is deleted
// starts empty, restores that backup, catches up with what was written
// after it, and acknowledges writes again; RemoveBackup removes the backup.
//
// The backup is the rdonly's, as the operator picks it. A semi-sync
// replica's would race on MariaDB: its change to type BACKUP stops it
// acknowledging by restarting replication (tabletmanager/rpc_replication.go,
// "Restarting replication for semi-sync flag change"), and the builtin
// engine reads its status at once and restarts replication after the copy
// only if both threads ran (mysqlctl/builtinbackupengine.go,
// replicaStartRequired). Right after START SLAVE MariaDB reports the IO
// thread as "Preparing", which Vitess reads as an unknown state, not as
// "Connecting", which counts as running (replication/state.go), and the
// replica is left not replicating. MySQL reports no "Preparing".
func TestBackupRestoreFile(t *testing.T) {
	skipUnlessBuilt(t)
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 2, Rdonly: 1,
		Durability: "semi_sync", Backup: fileBackup()})
	tablets := s.Tablets()
	primary, replica, rdonly := tablets[0], tablets[1], tablets[2]
	shardDir := filepath.Join(s.backupDir(), backupPath, s.cfg.Keyspace, s.cfg.Shard)
	s.backupRestore(primary, rdonly, replica, func(name string) ([]string, error) {
		entries, err := os.ReadDir(filepath.Join(shardDir, name))
		if os.IsNotExist(err) {
			return nil, nil
		}
		var files []string
		for _, e := range entries {
			files = append(files, e.Name())
		}
		return files, err
	})
}

// TestBackupRestoreS3: the same with the store in an S3-compatible bucket
// (gofakes3 on loopback, addressed path-style) whose credentials reach
// vttablet and vtctld as environment variables from a Secret: the store
// serves them, they present the Secret's key on every request, and no log
// of the tier holds the secret key.
func TestBackupRestoreS3(t *testing.T) {
	skipUnlessBuilt(t)
	store := startFakeS3(t, "vitess-backups")
	const secret = "rv-s3-credentials"
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 2, Durability: "none",
		Backup: &v1alpha1.BackupSpec{Location: v1alpha1.BackupLocation{Path: backupPath, S3: &v1alpha1.S3Location{
			Bucket: store.Bucket, Endpoint: store.URL, ForcePathStyle: true, CredentialsSecret: secret}}}},
		WithSecret(secret, map[string]string{"AWS_ACCESS_KEY_ID": store.KeyID, "AWS_SECRET_ACCESS_KEY": store.SecretKey}))
	tablets := s.Tablets()
	// With one replica, the replica backed up is the one whose claim goes.
	s.backupRestore(tablets[0], tablets[1], tablets[1], func(name string) ([]string, error) {
		prefix := path.Join(backupPath, s.cfg.Keyspace, s.cfg.Shard, name) + "/"
		keys, err := store.objects(prefix)
		for i, k := range keys {
			keys[i] = strings.TrimPrefix(k, prefix)
		}
		return keys, err
	})
	t.Logf("the store served %d requests and refused %d", store.served.Load(), store.denied.Load())
	require.Positive(t, store.served.Load())
	require.Zero(t, store.denied.Load(), "a request came without the Secret's key")
	for _, f := range logFiles(s.logDir()) {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NotContains(t, string(data), store.SecretKey, "%s holds the secret key", f)
	}
}

// backupRestore takes a backup of source with the operator's command,
// deletes the claim of wiped and checks that wiped restores it at start, and
// removes the backup; stored lists what the store holds under a backup's
// name.
func (s shard) backupRestore(primary, source, wiped string, stored func(name string) ([]string, error)) {
	t := s.t
	s.seed(primary)
	require.Empty(t, s.backups())
	for _, a := range s.Tablets() {
		bt, _, err := s.restored(a)
		require.NoError(t, err)
		require.Empty(t, bt, "%s restored a backup from an empty store", a)
	}
	s.write(primary, 5)
	s.rowsOn(source, 5)
	s.rowsOn(wiped, 5)

	t0 := time.Now()
	err := s.operator().TakeBackup(s.ctx, source, false)
	if err != nil && strings.Contains(err.Error(), "SET GLOBAL super_read_only") {
		t.Fatalf("%v\n(vttablet lacks hunk 8 of hack/real-vitess/mariadb.patch: run hack/real-vitess.sh)", err)
	}
	require.NoError(t, err)
	t.Logf("Backup of %s took %v", source, round(time.Since(t0)))
	list := s.backups()
	require.Len(t, list, 1)
	backup := list[0]
	require.True(t, strings.HasSuffix(backup.Name, "."+source), "backup %s is not named after %s", backup.Name, source)
	require.WithinDuration(t, t0, backup.Time, time.Minute)
	files, err := stored(backup.Name)
	require.NoError(t, err)
	require.Contains(t, files, "MANIFEST", "the store holds no MANIFEST for %s", backup.Name)
	// The builtin engine stopped the source's mysqld; it serves and
	// replicates again.
	s.replicating(source)
	s.write(primary, 3)
	s.rowsOn(source, 8)

	require.NoError(t, s.StopTablet(s.ctx, wiped))
	require.NoError(t, s.DeleteClaim(wiped))
	t1 := time.Now()
	require.NoError(t, s.StartTablet(s.ctx, wiped))
	var bt, pos string
	// vttablet answers while it restores; it exits, and is started again,
	// when a restore fails.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		var err error
		bt, pos, err = s.restored(wiped)
		assert.NoError(c, err)
		assert.NotEmpty(c, bt)
	}, time.Minute, 200*time.Millisecond, "%s restored nothing (see logs/%s-vttablet.log)", wiped, wiped)
	t.Logf("%s restored %s (position %s) %v after its start on an empty claim", wiped, bt, pos, round(time.Since(t1)))
	restoredAt, err := time.Parse(time.RFC3339, bt)
	require.NoError(t, err)
	require.True(t, restoredAt.Equal(backup.Time), "%s restored the backup of %s, not %s", wiped, bt, backup.Name)
	require.True(t, strings.HasPrefix(pos, "MariaDB/"), "restore position %q", pos)
	require.NoError(t, s.WaitServing(s.ctx, wiped))
	s.replicating(wiped)
	s.rowsOn(wiped, 8)
	s.write(primary, 1)
	s.rowsOn(wiped, 9)

	require.NoError(t, s.operator().RemoveBackup(s.ctx, s.cfg.Keyspace, s.cfg.Shard, backup.Name))
	require.Empty(t, s.backups())
	files, err = stored(backup.Name)
	require.NoError(t, err)
	require.Empty(t, files, "the store still holds %s", backup.Name)
}
