package vitess

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// scheduleParser reads the five-field cron expressions and @-descriptors of
// spec.backup.schedule, as a CronJob's schedule reads them.
var scheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// parseSchedule parses a backup schedule; "" is no schedule.
func parseSchedule(expr string) (cron.Schedule, error) {
	if expr == "" {
		return nil, nil
	}
	s, err := scheduleParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("%q is not a five-field cron expression or descriptor: %w", expr, err)
	}
	return s, nil
}

// validateBackup adds the problems of a cluster's backup configuration.
func (p *problems) backup(vc *v1alpha1.VitessCluster) {
	b := vc.Spec.Backup
	if b == nil {
		for i, ks := range vc.Spec.Keyspaces {
			if ks.Backup != nil {
				p.add(fmt.Sprintf("spec.keyspaces[%d].backup", i), "needs spec.backup, which says where backups are stored")
			}
		}
		return
	}
	loc := b.Location
	if (loc.Volume == nil) == (loc.S3 == nil) {
		p.add("spec.backup.location", "exactly one of volume and s3")
	}
	if v := loc.Volume; v != nil && (v.ClaimName == "") == (v.Claim == nil) {
		p.add("spec.backup.location.volume", "exactly one of claimName and claim")
	}
	if _, err := parseSchedule(b.Schedule); err != nil {
		p.add("spec.backup.schedule", "%v", err)
	}
	if b.RestoreBackupTime != "" {
		if _, err := time.Parse(backupTimeFormat, b.RestoreBackupTime); err != nil {
			p.add("spec.backup.restoreBackupTime", "%q is not a time YYYY-MM-DD.HHMMSS", b.RestoreBackupTime)
		}
	}
	for i, ks := range vc.Spec.Keyspaces {
		if ks.Backup == nil || ks.Backup.Schedule == scheduleNone {
			continue
		}
		if _, err := parseSchedule(ks.Backup.Schedule); err != nil {
			p.add(fmt.Sprintf("spec.keyspaces[%d].backup.schedule", i), "%v", err)
		}
	}
}

// backupTimeFormat is the timestamp at the start of a Vitess backup's name
// (go/vt/mysqlctl/backup.go BackupTimestampFormat), in UTC.
const backupTimeFormat = "2006-01-02.150405"
