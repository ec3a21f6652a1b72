package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane/position"
)

// backup is Backup [--allow-primary] ALIAS (grpcvtctldserver Backup, the
// tablet's rpc_backup.go): a PRIMARY is refused unless allowed; the tablet
// writes a backup of its data to the store its own flags configure. The
// builtin engine stops the tablet's mysqld while it copies the files and
// starts it again; the simulated copy is instant, so mysqld is never seen
// down, and replication resumes where it stood.
func (v vtctld) backup(flags map[string]string, pos []string) error {
	alias, err := exactlyOne("Backup", pos)
	if err != nil {
		return err
	}
	pods, rec, err := v.tabletCommand(alias)
	if err != nil {
		return err
	}
	t, ok := reachable(pods, alias)
	if !ok {
		return deadline()
	}
	if allow, given := flags["allow-primary"]; rec.Type == typePrimary && (!given || allow == "false") {
		return errors.New("type PRIMARY cannot take backup. if you really need to do this, rerun the backup command with --allow_primary")
	}
	store, err := storeOf(t.env, "vttablet", v.sim.reg.root)
	if err != nil {
		return err
	}
	st, err := t.load()
	if err != nil {
		return err
	}
	engine := processFlags(t.env, "vttablet")["backup-engine-implementation"]
	if engine == "" {
		engine = "builtin"
	}
	now := time.Now().UTC()
	m := manifest{BackupName: now.Format(backupTimeFormat) + "." + alias, BackupMethod: engine,
		Position: positionOf(st.gtids()), BackupTime: now.Format(time.RFC3339), FinishedTime: now.Format(time.RFC3339),
		TabletAlias: alias, Keyspace: rec.Keyspace, Shard: rec.Shard, Journal: st.Journal, Accounts: st.Accounts}
	if _, ok := store.read(m.Keyspace, m.Shard, m.BackupName); ok {
		return fmt.Errorf("backup %s already exists", m.BackupName)
	}
	if err := store.write(m); err != nil {
		return fmt.Errorf("writing backup %s: %w", m.BackupName, err)
	}
	fmt.Fprintf(v.out, "%s/%s (%s): backup %s complete at %s\n", rec.Keyspace, rec.Shard, alias, m.BackupName, m.Position)
	return nil
}

// getBackups is GetBackups [--json] KEYSPACE/SHARD, read from the store
// vtctld's own flags configure: oldest first, as the JSON of
// GetBackupsResponse with proto field names, or one name a line.
func (v vtctld) getBackups(flags map[string]string, pos []string) error {
	ks, shard, err := keyspaceShard("GetBackups", pos)
	if err != nil {
		return err
	}
	store, err := storeOf(v.sim.self.env, "vtctld", v.sim.reg.root)
	if err != nil {
		return err
	}
	names, err := store.list(ks, shard)
	if err != nil {
		return err
	}
	if _, asJSON := flags["json"]; !asJSON {
		if len(names) > 0 {
			fmt.Fprintln(v.out, strings.Join(names, "\n"))
		}
		return nil
	}
	backups := make([]map[string]any, 0, len(names))
	for _, n := range names {
		b := map[string]any{"name": n, "directory": ks + "/" + shard, "keyspace": ks, "shard": shard}
		if parts := strings.SplitN(n, ".", 3); len(parts) == 3 {
			if cell, uid, ok := strings.Cut(parts[2], "-"); ok {
				b["tablet_alias"] = map[string]any{"cell": cell, "uid": strings.TrimLeft(uid, "0")}
			}
		}
		backups = append(backups, b)
	}
	data, err := json.MarshalIndent(map[string]any{"backups": backups}, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(v.out, string(data))
	return nil
}

// removeBackup is RemoveBackup KEYSPACE/SHARD NAME, in vtctld's store.
func (v vtctld) removeBackup(_ map[string]string, pos []string) error {
	if len(pos) != 2 {
		return fmt.Errorf("RemoveBackup takes keyspace/shard and a backup name, got %v", pos)
	}
	ks, shard, err := keyspaceShard("RemoveBackup", pos[:1])
	if err != nil {
		return err
	}
	store, err := storeOf(v.sim.self.env, "vtctld", v.sim.reg.root)
	if err != nil {
		return err
	}
	return store.remove(ks, shard, pos[1])
}

// restoreAtStart is what a vttablet started with --restore-from-backup does
// when its mysqld holds no data (tabletmanager/restore.go, mysqlctl
// ShouldRestore): restore the latest complete backup of its shard, or the
// latest at or before --restore-from-backup-ts, and start replicating from
// the shard's primary from its position; with no backup it starts empty.
// The restored backup and position are recorded, as vttablet exports them
// (RestoredBackupTime, RestorePosition).
func restoreAtStart(t tablet, st *state, simRoot string) error {
	flags := processFlags(t.env, "vttablet")
	if flags["restore-from-backup"] != "true" || !st.zero() {
		return nil
	}
	store, err := storeOf(t.env, "vttablet", simRoot)
	if err != nil {
		return err
	}
	var notAfter time.Time
	if ts := flags["restore-from-backup-ts"]; ts != "" {
		if notAfter, err = time.Parse(backupTimeFormat, ts); err != nil {
			return fmt.Errorf("restore-from-backup-ts %q: %w", ts, err)
		}
	}
	m, ok, err := store.latest(t.env["TABLET_KEYSPACE"], t.env["TABLET_SHARD"], notAfter)
	if err != nil || !ok {
		return err
	}
	restored, err := parsePosition(m.Position)
	if err != nil {
		return fmt.Errorf("backup %s: %w", m.BackupName, err)
	}
	st.GTIDs, st.Journal = restored.String(), m.Journal
	if m.Accounts != nil {
		// mysql.user is restored with the rest of the data.
		st.Accounts = m.Accounts
	}
	st.RestoredFrom, st.RestorePosition = m.BackupName, m.Position
	return nil
}

// parsePosition reads a position as Vitess prints it, MySQL56/<GTID set>.
func parsePosition(p string) (position.GTIDSet, error) {
	return position.ParseGTIDSet(strings.TrimPrefix(p, "MySQL56/"))
}
