package dataplane

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Backup is one backup of a shard, as vtctldclient GetBackups --json lists
// it (go/vt/proto/mysqlctl BackupInfo).
type Backup struct {
	// Name is the backup's name: its start time and the tablet it was
	// taken on, YYYY-MM-DD.HHMMSS.cell-uid (mysqlctl/backup.go).
	Name string
	// Time is when the backup started, read from its name.
	Time time.Time
}

// backupTimeFormat is the timestamp a backup's name starts with
// (mysqlctl/backup.go BackupTimestampFormat), in UTC.
const backupTimeFormat = "2006-01-02.150405"

// getBackupsOutput is the part of GetBackupsResponse the operator reads.
type getBackupsOutput struct {
	Backups []struct {
		Name string `json:"name"`
	} `json:"backups"`
}

// ParseBackups reads vtctldclient GetBackups --json output, oldest first.
// A name that does not start with a backup time is kept with a zero time,
// so that it is counted but never taken for the latest.
func ParseBackups(out string) ([]Backup, error) {
	var resp getBackupsOutput
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		return nil, fmt.Errorf("reading GetBackups output: %w", err)
	}
	backups := make([]Backup, 0, len(resp.Backups))
	for _, b := range resp.Backups {
		backups = append(backups, Backup{Name: b.Name, Time: BackupTime(b.Name)})
	}
	sort.SliceStable(backups, func(i, j int) bool { return backups[i].Time.Before(backups[j].Time) })
	return backups, nil
}

// BackupTime is the start time in a backup's name; zero when it has none.
func BackupTime(name string) time.Time {
	parts := strings.SplitN(name, ".", 3)
	if len(parts) < 2 {
		return time.Time{}
	}
	t, err := time.Parse(backupTimeFormat, parts[0]+"."+parts[1])
	if err != nil {
		return time.Time{}
	}
	return t
}

// GetBackups lists the backups of keyspace/shard in the cluster's store.
func (v Vtctld) GetBackups(ctx context.Context, keyspace, shard string) ([]Backup, error) {
	out, err := v.output(ctx, "GetBackups", "--json", keyspace+"/"+shard)
	if err != nil {
		return nil, err
	}
	return ParseBackups(out)
}

// TakeBackup backs up a tablet and waits until the backup is complete.
// With the builtin engine the tablet's mysqld is stopped while its files
// are copied; allowPrimary lets that be the shard's primary. The command
// runs outside the exec slots: it may take hours.
func (v Vtctld) TakeBackup(ctx context.Context, alias string, allowPrimary bool) error {
	args := []string{}
	if allowPrimary {
		args = append(args, "--allow-primary")
	}
	res, err := v.exec.Exec(OutsideSlots(ctx), v.target, vtctldclientArgs(v.server, BackupTimeout, "Backup", append(args, alias)...))
	if err != nil {
		return fmt.Errorf("vtctldclient Backup: %w", err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("vtctldclient Backup exited %d: %s", res.ExitCode, safeOutput(VtctldError(res.Stderr+res.Stdout)))
	}
	return nil
}

// BackupTimeout bounds one backup: vtctldclient's own default (an hour)
// would cancel the backup of a large shard midway.
const BackupTimeout = 24 * time.Hour

// RemoveBackup removes one backup of keyspace/shard from the store.
func (v Vtctld) RemoveBackup(ctx context.Context, keyspace, shard, name string) error {
	_, err := v.output(ctx, "RemoveBackup", keyspace+"/"+shard, name)
	return err
}

// output runs one vtctldclient command and returns what it printed.
func (v Vtctld) output(ctx context.Context, command string, args ...string) (string, error) {
	res, err := v.exec.Exec(ctx, v.target, VtctldclientArgs(v.server, command, args...))
	if err != nil {
		return "", fmt.Errorf("vtctldclient %s: %w", command, err)
	}
	if res.ExitCode != 0 {
		return "", fmt.Errorf("vtctldclient %s exited %d: %s", command, res.ExitCode, safeOutput(VtctldError(res.Stderr+res.Stdout)))
	}
	return res.Stdout, nil
}
