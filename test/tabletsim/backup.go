package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The simulated backup store follows Vitess v24's: a store configured by
// flags (go/vt/mysqlctl/backupstorage/interface.go), one directory per
// keyspace/shard under its root and one per backup named
// YYYY-MM-DD.HHMMSS.<tablet alias> (mysqlctl/backup.go), whose MANIFEST,
// written last, makes it complete (backupengine.go; restore skips a backup
// without one). A backup holds the tablet's data: here its transactions
// and reparent journal rows.

// backupTimeFormat is mysqlctl.BackupTimestampFormat.
const backupTimeFormat = "2006-01-02.150405"

// manifestFile is the file that completes a backup.
const manifestFile = "MANIFEST"

// manifest is a backup's MANIFEST, with the fields of Vitess's
// BackupManifest the simulator uses, and Journal and Accounts for the
// journal rows and accounts the simulator keeps apart from transactions.
type manifest struct {
	BackupName   string
	BackupMethod string
	Position     string
	BackupTime   string
	FinishedTime string
	TabletAlias  string
	Keyspace     string
	Shard        string
	Journal      int `json:"Journal,omitempty"`
	// Accounts are the backed-up mysqld's accounts (mysql.user, which a
	// real backup holds among its data files).
	Accounts map[string]string `json:"Accounts,omitempty"`
}

// backupStore is a Vitess BackupStorage: root is its directory on this host.
type backupStore struct{ root string }

// unsafePath are characters that do not go into a directory name.
var unsafePath = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// storeOf is the backup store a container's flags configure. A file store
// must be on a volume the container mounts: one in its own filesystem would
// be lost with the container. An S3 bucket is a directory per endpoint and
// bucket under the simulation root.
func storeOf(env map[string]string, container, simRoot string) (backupStore, error) {
	flags := processFlags(env, container)
	switch impl := flags["backup-storage-implementation"]; impl {
	case "file":
		root, err := mountedPath(env, container, flags["file-backup-storage-root"])
		if err != nil {
			return backupStore{}, fmt.Errorf("file-backup-storage-root: %w", err)
		}
		return backupStore{root: root}, nil
	case "s3":
		endpoint := flags["s3-backup-aws-endpoint"]
		if endpoint == "" {
			endpoint = "aws-" + flags["s3-backup-aws-region"]
		}
		return backupStore{root: filepath.Join(simRoot, "s3", unsafePath.ReplaceAllString(endpoint, "_"),
			flags["s3-backup-storage-bucket"], flags["s3-backup-storage-root"])}, nil
	case "":
		return backupStore{}, errors.New("no registered implementation of BackupStorage")
	default:
		return backupStore{}, fmt.Errorf("backup storage %q is not simulated", impl)
	}
}

// processFlags reads the flags of a container's command line, which the
// simulation host records as SIM_ARGS_<container>.
func processFlags(env map[string]string, container string) map[string]string {
	var args []string
	_ = json.Unmarshal([]byte(env["SIM_ARGS_"+container]), &args)
	flags := map[string]string{}
	for _, a := range args {
		if name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); strings.HasPrefix(a, "--") {
			if !ok {
				value = "true"
			}
			flags[name] = value
		}
	}
	return flags
}

func (b backupStore) dir(keyspace, shard string) string {
	return filepath.Join(b.root, keyspace, shard)
}

// list returns the names of a shard's backups, sorted as ListBackups
// returns them: by name, so by time.
func (b backupStore) list(keyspace, shard string) ([]string, error) {
	entries, err := os.ReadDir(b.dir(keyspace, shard))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// write stores a complete backup: its directory, then its MANIFEST.
func (b backupStore) write(m manifest) error {
	dir := filepath.Join(b.dir(m.Keyspace, m.Shard), m.BackupName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, manifestFile+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, manifestFile))
}

// read returns a backup's MANIFEST; false for an incomplete backup.
func (b backupStore) read(keyspace, shard, name string) (manifest, bool) {
	data, err := os.ReadFile(filepath.Join(b.dir(keyspace, shard), name, manifestFile))
	if err != nil {
		return manifest{}, false
	}
	var m manifest
	return m, json.Unmarshal(data, &m) == nil
}

// remove deletes a backup.
func (b backupStore) remove(keyspace, shard, name string) error {
	if name == "" || strings.ContainsAny(name, "/\\") || name == "." || name == ".." {
		return fmt.Errorf("invalid backup name %q", name)
	}
	return os.RemoveAll(filepath.Join(b.dir(keyspace, shard), name))
}

// latest is the newest complete backup of a shard started at or before
// notAfter (any, when zero), as FindBackupToRestore picks it.
func (b backupStore) latest(keyspace, shard string, notAfter time.Time) (manifest, bool, error) {
	names, err := b.list(keyspace, shard)
	if err != nil {
		return manifest{}, false, err
	}
	for i := len(names) - 1; i >= 0; i-- {
		m, ok := b.read(keyspace, shard, names[i])
		if !ok {
			continue // incomplete: no MANIFEST
		}
		if !notAfter.IsZero() {
			if t, err := time.Parse(time.RFC3339, m.BackupTime); err != nil || t.After(notAfter) {
				continue
			}
		}
		return m, true, nil
	}
	return manifest{}, false, nil
}
