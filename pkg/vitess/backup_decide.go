package vitess

import (
	"fmt"
	"sort"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// backupRetry is how long a shard waits after a failed backup, listing or
// removal before the next attempt.
const backupRetry = time.Minute

// waitingForReady is why a due backup waits for the shard to be Ready.
const waitingForReady = "waiting for the shard to be Ready before backing up"

// backupRelist is how often a shard's store is listed again without a
// backup of the operator's own: to see backups taken or removed by hand.
const backupRelist = time.Hour

// backupView is what the backup decision of one shard reads: the shard's
// resolved configuration, what the operator knows of its store, and the
// tablets a backup may be taken on.
type backupView struct {
	now  time.Time
	spec *v1alpha1.BackupSpec
	// listedAt is when the store was last listed (zero: not since the
	// operator started); backups is that listing, oldest first.
	listedAt time.Time
	backups  []dataplane.Backup
	// running is the alias of the tablet a backup runs on, "" when none.
	running string
	// failedAt is when the last attempt failed; zero when it succeeded.
	failedAt time.Time
	// ready says the shard is Ready: it has a primary and every tablet
	// answers, so a backup takes no tablet a failover or roll needs.
	ready bool
	// candidates are the tablets that answer as replicas, and primary the
	// one that answers as primary ("" when none).
	candidates []backupTablet
	primary    string
	// singleTablet says the shard has no tablet but its primary: the only
	// case a backup is taken on the primary.
	singleTablet bool
}

// backupTablet is a tablet a backup may be taken on.
type backupTablet struct {
	alias string
	// batch is an rdonly tablet, backed up first: no query of the primary
	// role's failover or of the replica pool's reads rests on it.
	batch bool
}

// backupPlan is what one pass does for a shard's backups.
type backupPlan struct {
	// list asks vtctld for the shard's backups.
	list bool
	// remove are the backups retention drops, oldest first.
	remove []string
	// take is the tablet to back up, "" for none; onPrimary allows the
	// shard's primary (the builtin engine stops its mysqld meanwhile).
	take      string
	onPrimary bool
	// next is when the next backup is due; zero when none is scheduled.
	next time.Time
	// waiting says why a due backup is not taken yet.
	waiting string
}

// needsIO reports whether the plan asks vtctld for anything.
func (p backupPlan) needsIO() bool { return p.list || len(p.remove) > 0 || p.take != "" }

// decideBackup plans one pass of a shard's backups: list the store once,
// drop what retention does not keep, then take the first backup of a shard
// that has none, or the scheduled one once due, on a replica.
func decideBackup(v backupView) backupPlan {
	var p backupPlan
	if v.spec == nil || v.running != "" {
		return p
	}
	if !v.failedAt.IsZero() && v.now.Sub(v.failedAt) < backupRetry {
		p.waiting = fmt.Sprintf("retrying at %s after a failure", v.failedAt.Add(backupRetry).UTC().Format(time.RFC3339))
		return p
	}
	if v.listedAt.IsZero() || v.now.Sub(v.listedAt) >= backupRelist {
		p.list = true
		return p
	}
	if keep := int(*v.spec.Retention); len(v.backups) > keep {
		for _, b := range v.backups[:len(v.backups)-keep] {
			p.remove = append(p.remove, b.Name)
		}
	}
	due, next := backupDue(v)
	p.next = next
	if !due {
		return p
	}
	switch {
	case !v.ready:
		p.waiting = waitingForReady
	case len(v.candidates) > 0:
		p.take = pickBackupTablet(v.candidates)
	case v.singleTablet && v.primary != "":
		p.take, p.onPrimary = v.primary, true
	default:
		p.waiting = "waiting for a replica to back up; the primary is backed up only in a shard with no other tablet"
	}
	return p
}

// backupDue says whether a backup is due now: the first of a shard with
// none, or the scheduled one after the latest; and when the next is due.
func backupDue(v backupView) (bool, time.Time) {
	latest := latestBackup(v.backups)
	if latest == nil {
		return true, v.now
	}
	sched, err := parseSchedule(v.spec.Schedule)
	if err != nil || sched == nil {
		return false, time.Time{}
	}
	next := sched.Next(latest.Time)
	return !next.After(v.now), next
}

// latestBackup is the newest backup with a time in its name, nil when none.
func latestBackup(backups []dataplane.Backup) *dataplane.Backup {
	for i := len(backups) - 1; i >= 0; i-- {
		if !backups[i].Time.IsZero() {
			return &backups[i]
		}
	}
	return nil
}

// pickBackupTablet picks an rdonly tablet before a replica, then the first
// by alias, so the same tablet is picked every time.
func pickBackupTablet(c []backupTablet) string {
	sorted := append([]backupTablet(nil), c...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].batch != sorted[j].batch {
			return sorted[i].batch
		}
		return sorted[i].alias < sorted[j].alias
	})
	return sorted[0].alias
}
