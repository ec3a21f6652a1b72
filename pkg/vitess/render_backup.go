package vitess

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// backupMountPath is where tablets and vtctld mount a volume backup store;
// the location's path is a directory under it.
const backupMountPath = "/vt/backups"

// Backup defaults.
const (
	defaultBackupEngine    = "builtin"
	defaultBackupRetention = 7
	defaultS3Region        = "us-east-1"
	// scheduleNone is a keyspace's schedule that takes no scheduled backup.
	scheduleNone = "none"
)

// BackupClaimName is the name of the claim the operator makes for a
// cluster's volume backup store.
func BackupClaimName(cluster string) string { return cluster + "-backup" }

// resolveBackup is the cluster's backup configuration as one keyspace's
// shards take it: the location's path defaulted to the cluster's name and
// the keyspace's schedule and retention over the cluster's.
func resolveBackup(vc *v1alpha1.VitessCluster, ks v1alpha1.KeyspaceSpec) *v1alpha1.BackupSpec {
	if vc.Spec.Backup == nil {
		return nil
	}
	b := vc.Spec.Backup.DeepCopy()
	b.Location = *resolveLocation(vc)
	if b.Engine == "" {
		b.Engine = defaultBackupEngine
	}
	if o := ks.Backup; o != nil {
		if o.Schedule == scheduleNone {
			b.Schedule = ""
		} else if o.Schedule != "" {
			b.Schedule = o.Schedule
		}
		if o.Retention != nil {
			b.Retention = new(*o.Retention)
		}
	}
	if b.Retention == nil {
		b.Retention = new(int32(defaultBackupRetention))
	}
	return b
}

// resolveLocation is the cluster's backup location with its path resolved,
// nil without backups.
func resolveLocation(vc *v1alpha1.VitessCluster) *v1alpha1.BackupLocation {
	if vc.Spec.Backup == nil {
		return nil
	}
	loc := vc.Spec.Backup.Location.DeepCopy()
	if loc.Path == "" {
		loc.Path = vc.Name
	}
	if loc.Volume != nil && loc.Volume.Claim != nil {
		// The pods mount the claim by name; its spec is the cluster's to apply.
		loc.Volume = &v1alpha1.BackupVolume{ClaimName: BackupClaimName(vc.Name)}
	}
	return loc
}

// storageFlags are the flags that point a Vitess process at the store: the
// v24 flags of go/vt/mysqlctl/backupstorage/interface.go,
// filebackupstorage/file.go and s3backupstorage/s3.go.
func storageFlags(loc *v1alpha1.BackupLocation) map[string]string {
	f := map[string]string{}
	switch {
	case loc == nil:
	case loc.Volume != nil:
		f["backup-storage-implementation"] = "file"
		f["file-backup-storage-root"] = backupMountPath + "/" + loc.Path
	case loc.S3 != nil:
		f["backup-storage-implementation"] = "s3"
		f["s3-backup-storage-bucket"] = loc.S3.Bucket
		f["s3-backup-storage-root"] = loc.Path
		f["s3-backup-aws-region"] = defaultS3Region
		if loc.S3.Region != "" {
			f["s3-backup-aws-region"] = loc.S3.Region
		}
		if loc.S3.Endpoint != "" {
			f["s3-backup-aws-endpoint"] = loc.S3.Endpoint
		}
		if loc.S3.ForcePathStyle {
			f["s3-backup-force-path-style"] = "true"
		}
	}
	return f
}

// tabletBackupFlags are a tablet's backup flags: the store, the engine new
// backups are taken with (backupengine.go), and restore at start
// (vttablet/tabletmanager/restore.go: a tablet whose mysqld holds no data
// restores the latest backup, or the latest at or before
// --restore-from-backup-ts, and starts empty when there is none).
func tabletBackupFlags(b *v1alpha1.BackupSpec) map[string]string {
	if b == nil {
		return map[string]string{}
	}
	f := storageFlags(&b.Location)
	f["backup-engine-implementation"] = b.Engine
	f["restore-from-backup"] = "true"
	if b.RestoreBackupTime != "" {
		f["restore-from-backup-ts"] = b.RestoreBackupTime
	}
	return f
}

// backupPodPart is the part of a shard's backup configuration its tablet
// pods are made of: a new schedule or retention rolls no tablet.
func backupPodPart(b *v1alpha1.BackupSpec) any {
	if b == nil {
		return nil
	}
	return []any{b.Location, b.Engine, b.RestoreBackupTime}
}

// mountBackupStore adds the store's volume, or its credentials, to a pod:
// the volume mounted in container, the S3 credentials in its env.
func mountBackupStore(pod *corev1.PodSpec, container *corev1.Container, loc *v1alpha1.BackupLocation) {
	switch {
	case loc == nil:
	case loc.Volume != nil:
		if !hasVolume(pod, "backup") {
			pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "backup", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: loc.Volume.ClaimName}}})
		}
		container.VolumeMounts = append(container.VolumeMounts, corev1.VolumeMount{Name: "backup", MountPath: backupMountPath})
	case loc.S3 != nil && loc.S3.CredentialsSecret != "":
		for _, key := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
			container.Env = append(container.Env, corev1.EnvVar{Name: key, ValueFrom: &corev1.EnvVarSource{
				SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: loc.S3.CredentialsSecret}, Key: key}}})
		}
	}
}

func hasVolume(pod *corev1.PodSpec, name string) bool {
	for _, v := range pod.Volumes {
		if v.Name == name {
			return true
		}
	}
	return false
}

// RenderBackupClaim renders the claim of a cluster's volume backup store
// when the cluster asks the operator to make it; nil otherwise. It has no
// owner: backups outlive the cluster, as the tablets' claims do by default.
func RenderBackupClaim(vc *v1alpha1.VitessCluster) *corev1.PersistentVolumeClaim {
	b := vc.Spec.Backup
	if b == nil || b.Location.Volume == nil || b.Location.Volume.Claim == nil {
		return nil
	}
	spec := *b.Location.Volume.Claim.DeepCopy()
	if len(spec.AccessModes) == 0 {
		spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	}
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: BackupClaimName(vc.Name), Namespace: vc.Namespace,
			Labels: childLabels(vc, map[string]string{LabelComponent: componentBackup})},
		Spec: spec,
	}
}
