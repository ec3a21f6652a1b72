package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestTabletsMountTheBackupStore proves a tablet's vttablet, and only it,
// mounts a volume store and is told to restore at start; an S3 store's
// credentials come from the Secret, by reference; a new schedule rolls no
// tablet, a new location does.
func TestTabletsMountTheBackupStore(t *testing.T) {
	s := testShard()
	s.Spec.Backup = &v1alpha1.BackupSpec{Engine: "builtin", Schedule: "@daily", Retention: new(int32(3)),
		Location: v1alpha1.BackupLocation{Path: "vt", Volume: &v1alpha1.BackupVolume{ClaimName: "vt-backup"}}}
	before, err := poolRevisions(s)
	require.NoError(t, err)
	pods, err := TabletPods(s)
	require.NoError(t, err)
	pod := pods[0]
	assert.Contains(t, pod.Spec.Volumes, corev1.Volume{Name: "backup", VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "vt-backup"}}})
	assert.Contains(t, pod.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "backup", MountPath: "/vt/backups"})
	assert.NotContains(t, pod.Spec.Containers[1].VolumeMounts, corev1.VolumeMount{Name: "backup", MountPath: "/vt/backups"})
	args := pod.Spec.Containers[0].Args
	for _, f := range []string{"--backup-storage-implementation=file", "--file-backup-storage-root=/vt/backups/vt",
		"--restore-from-backup=true", "--backup-engine-implementation=builtin"} {
		assert.Contains(t, args, f)
	}

	s.Spec.Backup.Schedule, s.Spec.Backup.Retention = "@hourly", new(int32(9))
	after, err := poolRevisions(s)
	require.NoError(t, err)
	assert.Equal(t, before, after, "schedule and retention roll no tablet")

	s.Spec.Backup.Location = v1alpha1.BackupLocation{Path: "vt", S3: &v1alpha1.S3Location{Bucket: "b", Endpoint: "http://127.0.0.1:9000",
		ForcePathStyle: true, CredentialsSecret: "s3-creds"}}
	after, err = poolRevisions(s)
	require.NoError(t, err)
	assert.NotEqual(t, before, after, "a new location rolls the tablets")
	pods, err = TabletPods(s)
	require.NoError(t, err)
	vt := pods[0].Spec.Containers[0]
	for _, f := range []string{"--backup-storage-implementation=s3", "--s3-backup-storage-bucket=b", "--s3-backup-storage-root=vt",
		"--s3-backup-aws-endpoint=http://127.0.0.1:9000", "--s3-backup-force-path-style=true", "--s3-backup-aws-region=us-east-1"} {
		assert.Contains(t, vt.Args, f)
	}
	assert.Contains(t, vt.Env, corev1.EnvVar{Name: "AWS_SECRET_ACCESS_KEY", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "s3-creds"}, Key: "AWS_SECRET_ACCESS_KEY"}}})
	for _, e := range vt.Env {
		assert.NotContains(t, e.Value, "secret", "no credential is written into the pod")
	}
}

// TestVtctldReadsTheBackupStore proves vtctld, which lists and removes
// backups, is pointed at the same store.
func TestVtctldReadsTheBackupStore(t *testing.T) {
	c := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "vt-global", Namespace: "ns"}}
	c.Spec.Cluster, c.Spec.Name = "vt", "global"
	c.Spec.Vtctld = &v1alpha1.ComponentSpec{}
	c.Spec.BackupLocation = &v1alpha1.BackupLocation{Path: "vt", Volume: &v1alpha1.BackupVolume{ClaimName: "vt-backup"}}
	d := RenderVtctld(c, metav1.OwnerReference{})
	pod := d.Spec.Template.Spec
	assert.Contains(t, pod.Containers[0].Args, "--file-backup-storage-root=/vt/backups/vt")
	assert.Contains(t, pod.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "backup", MountPath: "/vt/backups"})
}

// TestBackupValidationNamesTheField proves a bad schedule or restore time
// is refused with the field named.
func TestBackupValidationNamesTheField(t *testing.T) {
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "vt"}}
	vc.Spec.Backup = &v1alpha1.BackupSpec{Schedule: "every day", RestoreBackupTime: "yesterday",
		Location: v1alpha1.BackupLocation{Volume: &v1alpha1.BackupVolume{}}}
	vc.Spec.Keyspaces = []v1alpha1.KeyspaceSpec{{Name: "ks", Backup: &v1alpha1.KeyspaceBackup{Schedule: "61 * * * *"}}}
	var p problems
	p.backup(vc)
	msg := p.String()
	for _, field := range []string{"spec.backup.schedule", "spec.backup.restoreBackupTime", "spec.backup.location.volume",
		"spec.keyspaces[0].backup.schedule"} {
		assert.Contains(t, msg, field)
	}
}
