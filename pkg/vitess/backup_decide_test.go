package vitess

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

func TestDecideBackup(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 30, 0, 0, time.UTC)
	spec := func(schedule string, keep int32) *v1alpha1.BackupSpec {
		return &v1alpha1.BackupSpec{Schedule: schedule, Retention: &keep}
	}
	backup := func(at time.Time) dataplane.Backup {
		return dataplane.Backup{Name: at.Format(backupTimeFormat) + ".zone1-0000000101", Time: at}
	}
	hourAgo, twoHoursAgo := backup(now.Add(-time.Hour)), backup(now.Add(-2*time.Hour))
	recent := backup(now.Add(-10 * time.Minute))
	replicas := []backupTablet{{alias: "zone1-0000000102"}, {alias: "zone1-0000000105", batch: true}}
	base := func(change func(v *backupView)) backupView {
		v := backupView{now: now, spec: spec("@hourly", 2), listedAt: now.Add(-time.Minute), ready: true,
			candidates: replicas, primary: "zone1-0000000101"}
		change(&v)
		return v
	}
	for _, c := range []struct {
		name string
		view backupView
		want backupPlan
	}{
		{"no backup configured", backupView{now: now}, backupPlan{}},
		{"a backup under way: nothing", base(func(v *backupView) { v.running = "zone1-0000000102" }), backupPlan{}},
		{"not listed since the operator started: list first", base(func(v *backupView) { v.listedAt = time.Time{} }),
			backupPlan{list: true}},
		{"listed an hour ago: list again", base(func(v *backupView) { v.listedAt = now.Add(-time.Hour) }), backupPlan{list: true}},
		{"a failure a moment ago: wait", base(func(v *backupView) { v.failedAt = now.Add(-10 * time.Second) }),
			backupPlan{waiting: "retrying at 2026-12-06T12:30:50Z after a failure"}},
		{"no backup yet: the first, on the rdonly tablet", base(func(*backupView) {}),
			backupPlan{take: "zone1-0000000105", next: now}},
		{"no schedule and a backup: nothing more", base(func(v *backupView) { v.spec = spec("", 2); v.backups = []dataplane.Backup{recent} }),
			backupPlan{}},
		{"scheduled and due", base(func(v *backupView) { v.backups = []dataplane.Backup{hourAgo} }),
			backupPlan{take: "zone1-0000000105", next: now.Truncate(time.Hour)}},
		{"scheduled, not yet due", base(func(v *backupView) { v.backups = []dataplane.Backup{recent} }),
			backupPlan{next: now.Truncate(time.Hour).Add(time.Hour)}},
		{"beyond retention: the oldest go", base(func(v *backupView) {
			v.backups = []dataplane.Backup{twoHoursAgo, hourAgo, recent}
		}), backupPlan{remove: []string{twoHoursAgo.Name}, next: now.Truncate(time.Hour).Add(time.Hour)}},
		{"due but the shard is not Ready", base(func(v *backupView) { v.ready = false }),
			backupPlan{next: now, waiting: "waiting for the shard to be Ready before backing up"}},
		{"due, no replica answers: never the primary of a shard with replicas", base(func(v *backupView) { v.candidates = nil }),
			backupPlan{next: now, waiting: "waiting for a replica to back up; the primary is backed up only in a shard with no other tablet"}},
		{"a shard of one tablet: its primary", base(func(v *backupView) { v.candidates, v.singleTablet = nil, true }),
			backupPlan{take: "zone1-0000000101", onPrimary: true, next: now}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, decideBackup(c.view))
		})
	}
}

func TestResolveBackupTakesTheKeyspaceOverTheCluster(t *testing.T) {
	vc := &v1alpha1.VitessCluster{}
	vc.Name = "vt"
	assert.Nil(t, resolveBackup(vc, v1alpha1.KeyspaceSpec{}))
	vc.Spec.Backup = &v1alpha1.BackupSpec{Schedule: "@daily",
		Location: v1alpha1.BackupLocation{Volume: &v1alpha1.BackupVolume{Claim: &corev1.PersistentVolumeClaimSpec{}}}}
	b := resolveBackup(vc, v1alpha1.KeyspaceSpec{})
	assert.Equal(t, "vt", b.Location.Path, "the path defaults to the cluster's name")
	assert.Equal(t, "vt-backup", b.Location.Volume.ClaimName, "the pods mount the claim the operator makes")
	assert.Equal(t, int32(7), *b.Retention)
	assert.Equal(t, "builtin", b.Engine)
	b = resolveBackup(vc, v1alpha1.KeyspaceSpec{Backup: &v1alpha1.KeyspaceBackup{Schedule: "none", Retention: new(int32(2))}})
	assert.Empty(t, b.Schedule)
	assert.Equal(t, int32(2), *b.Retention)
	f := tabletBackupFlags(b)
	assert.Equal(t, map[string]string{"backup-storage-implementation": "file", "file-backup-storage-root": "/vt/backups/vt",
		"backup-engine-implementation": "builtin", "restore-from-backup": "true"}, f)
}
