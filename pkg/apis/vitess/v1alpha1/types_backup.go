package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BackupSpec says where a cluster's backups live, when they are taken and
// how many are kept. With it, every tablet restores the latest backup of its
// shard when it starts empty, and the operator takes a first backup of every
// shard that has none once the shard has a primary.
// +kubebuilder:validation:XValidation:rule="has(self.location.volume) != has(self.location.s3)",message="backup.location: exactly one of volume and s3",fieldPath=".location"
type BackupSpec struct {
	// Location is the store backups are written to and restored from.
	Location BackupLocation `json:"location"`
	// Engine is the Vitess backup engine that takes new backups:
	// builtin (the default; it stops the backing-up replica's mysqld while
	// it copies the files) or xtrabackup (the tablet image must carry it).
	// A restore always uses the engine its backup was taken with.
	// +optional
	// +kubebuilder:validation:Enum=builtin;xtrabackup
	// +kubebuilder:default=builtin
	Engine string `json:"engine,omitempty"`
	// Schedule is when every shard is backed up, as a five-field cron
	// expression in UTC (minute hour day-of-month month day-of-week) or a
	// descriptor such as @daily. Unset: only the first backup of each shard
	// is taken. A keyspace may set its own.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Schedule string `json:"schedule,omitempty"`
	// Retention is how many backups of each shard are kept; the oldest
	// beyond it are removed after a new one completes. A keyspace may set
	// its own.
	// +optional
	// +kubebuilder:default=7
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Retention *int32 `json:"retention,omitempty"`
	// RestoreBackupTime restores new tablets from the latest backup taken at
	// or before this time (YYYY-MM-DD.HHMMSS, UTC, the timestamp Vitess puts
	// at the start of a backup's name) instead of the latest: the way to
	// start a cluster from one named backup. Tablets that restore later
	// restore it too, so remove it once the cluster runs.
	// +optional
	// +kubebuilder:validation:Pattern=`^[0-9]{4}-[0-9]{2}-[0-9]{2}\.[0-9]{6}$`
	RestoreBackupTime string `json:"restoreBackupTime,omitempty"`
}

// BackupLocation is a backup store: a volume every tablet and vtctld mounts,
// or an S3-compatible bucket.
type BackupLocation struct {
	// Path is the directory of this cluster's backups in the store, under
	// which Vitess keeps one directory per keyspace/shard. It defaults to
	// the cluster's name. A new cluster restores another's backups by
	// naming that cluster's path; its own backups then go there too.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?(/[a-zA-Z0-9]([-_.a-zA-Z0-9]*[a-zA-Z0-9])?)*$`
	Path string `json:"path,omitempty"`
	// Volume stores backups as files on a persistent volume claim.
	// +optional
	Volume *BackupVolume `json:"volume,omitempty"`
	// S3 stores backups in an S3-compatible bucket.
	// +optional
	S3 *S3Location `json:"s3,omitempty"`
}

// BackupVolume is a file store on a claim. Tablets on several nodes mount it
// at once, so its volume must allow ReadWriteMany.
// +kubebuilder:validation:XValidation:rule="has(self.claimName) != has(self.claim)",message="backup.location.volume: exactly one of claimName and claim"
type BackupVolume struct {
	// ClaimName names an existing claim in the cluster's namespace.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	ClaimName string `json:"claimName,omitempty"`
	// Claim is the spec of a claim the operator makes, named
	// <cluster>-backup and kept when the cluster is deleted.
	// +optional
	Claim *corev1.PersistentVolumeClaimSpec `json:"claim,omitempty"`
}

// S3Location is a bucket of an S3-compatible object store.
type S3Location struct {
	// Bucket is the bucket's name.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	Bucket string `json:"bucket"`
	// Region is the bucket's region (default us-east-1).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	Region string `json:"region,omitempty"`
	// Endpoint is the store's URL, for a store other than AWS.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	Endpoint string `json:"endpoint,omitempty"`
	// ForcePathStyle addresses the bucket in the URL's path rather than its
	// host name, as most stores other than AWS need.
	// +optional
	ForcePathStyle bool `json:"forcePathStyle,omitempty"`
	// CredentialsSecret names a Secret in the cluster's namespace with the
	// keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, given to vttablet
	// and vtctld as environment variables. Unset: the pods' own identity.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	CredentialsSecret string `json:"credentialsSecret,omitempty"`
}

// KeyspaceBackup is a keyspace's own backup schedule and retention.
type KeyspaceBackup struct {
	// Schedule overrides the cluster's backup schedule for this keyspace;
	// "none" takes no scheduled backup.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Schedule string `json:"schedule,omitempty"`
	// Retention overrides the cluster's backup retention for this keyspace.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	Retention *int32 `json:"retention,omitempty"`
}

// ShardBackups is what a shard's status says of its backups, as vtctld
// lists them.
type ShardBackups struct {
	// Count is how many backups the store holds for the shard.
	// +optional
	Count int32 `json:"count,omitempty"`
	// Latest is the name of the newest backup.
	// +optional
	Latest string `json:"latest,omitempty"`
	// LatestTime is when the newest backup was started.
	// +optional
	LatestTime *metav1.Time `json:"latestTime,omitempty"`
	// InProgress is the alias of the tablet a backup is being taken on.
	// +optional
	InProgress string `json:"inProgress,omitempty"`
	// NextScheduled is when the next scheduled backup is due.
	// +optional
	NextScheduled *metav1.Time `json:"nextScheduled,omitempty"`
	// Waiting says why a backup that is due is not being taken yet.
	// +optional
	Waiting string `json:"waiting,omitempty"`
	// LastError says why the last attempt to back up, list or prune failed;
	// empty once one succeeds.
	// +optional
	LastError string `json:"lastError,omitempty"`
}
