package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=vts,categories=vitess
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.tablets.masterEligible.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Keyspace",type=string,JSONPath=`.spec.keyspace`
// +kubebuilder:printcolumn:name="Shard",type=string,JSONPath=`.spec.name`
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.readyReplicas`
// +kubebuilder:printcolumn:name="Primary",type=string,JSONPath=`.status.members.primary[0]`
// +kubebuilder:printcolumn:name="Last-Backup",type=date,JSONPath=`.status.backups.latestTime`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1

// VitessShard is one shard of a keyspace: its tablet pods in every cell of the
// keyspace, their claims, and the one primary among them. The operator makes
// it from the cluster; edit the cluster instead.
type VitessShard struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the shard as rendered from its cluster.
	Spec VitessShardSpec `json:"spec"`
	// Status is the shard as the operator last observed it.
	// +optional
	Status VitessShardStatus `json:"status,omitempty"`
}

// VitessShardSpec is a shard of a keyspace with what it needs from the cluster.
// It holds the rules of the cluster's keyspaces, since a shard written by
// hand reaches the same names, pods and vtctldclient command lines.
// +kubebuilder:validation:XValidation:rule="has(self.keyRange) ? self.name == self.keyRange.start + '-' + self.keyRange.end : !self.name.contains('-')",message="name must be keyRange.start-keyRange.end for a ranged shard, and hold no dash for a named one, since Vitess reads a name with a dash as a key range",fieldPath=".name"
// +kubebuilder:validation:XValidation:rule="self.cells.all(c, size(self.cluster) + size(c) <= 42)",message="cluster and each of cells together must not exceed 42 characters, so that tablet pod names fit 63",fieldPath=".cells"
// +kubebuilder:validation:XValidation:rule="has(self.tablets) && has(self.tablets.masterEligible) && has(self.tablets.masterEligible.replicas) && self.tablets.masterEligible.replicas >= 1",message="tablets.masterEligible.replicas must be at least 1: a shard without master-eligible tablets has no primary; delete the shard to remove it",fieldPath=".tablets.masterEligible.replicas"
// +kubebuilder:validation:XValidation:rule="size(self.cells) * ((has(self.tablets) && has(self.tablets.masterEligible) && has(self.tablets.masterEligible.replicas) ? self.tablets.masterEligible.replicas : 0) + (has(self.tablets) && has(self.tablets.batch) && has(self.tablets.batch.replicas) ? self.tablets.batch.replicas : 0)) <= 64",message="tablets: at most 64 tablets a shard (cells x tablets of each pool)",fieldPath=".tablets"
type VitessShardSpec struct {
	// Cluster is the name of the VitessCluster this shard belongs to.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Cluster string `json:"cluster"`
	// Keyspace is the name of the keyspace this shard belongs to; a DNS
	// label, so that vtctldclient never reads it as a flag.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Keyspace string `json:"keyspace"`
	// Name is the Vitess shard name: start-end of its key range, such as
	// -80, or the name of a named shard, such as 0.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=65
	// +kubebuilder:validation:Pattern=`^([a-z0-9]+|([0-9a-f][0-9a-f])*-([0-9a-f][0-9a-f])*)$`
	Name string `json:"name"`
	// KeyRange is the shard's key range; unset for a named shard.
	// +optional
	KeyRange *KeyRange `json:"keyRange,omitempty"`
	// Cells are the cells with tablets of this shard.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=24
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:items:XValidation:rule="self != 'global'",message="tablets do not run in the global cell"
	// +listType=set
	Cells []string `json:"cells"`
	// Tablets configures the tablet pools of the shard.
	// +optional
	Tablets TabletsSpec `json:"tablets,omitempty"`
	// Topology says where the cluster's topology lives.
	// +optional
	Topology TopologySpec `json:"topology,omitempty"`
	// Template carries the cluster's labels and annotations for the tablet pods.
	// +optional
	Template *ChildTemplate `json:"template,omitempty"`
	// BackupFlags are the cluster's backup flags.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) > 0 && !k.startsWith('-'))",message="flag names are given without leading dashes, which the operator adds"
	BackupFlags map[string]string `json:"backupFlags,omitempty"`
	// CellZones are the zones of the shard's cells that are bound to one,
	// by cell.
	// +optional
	CellZones map[string]string `json:"cellZones,omitempty"`
	// Backup is the cluster's backup configuration, with the keyspace's
	// schedule and retention and the location's path resolved.
	// +optional
	Backup *BackupSpec `json:"backup,omitempty"`
	// MySQLCredentialsSecret is the Secret with the tablets' init SQL and
	// database credentials, resolved by the cluster; empty, the tablets use
	// Vitess's built-in init SQL and passwordless accounts.
	// +optional
	MySQLCredentialsSecret string `json:"mysqlCredentialsSecret,omitempty"`
	// ReconcileInterval is how often the operator re-checks the shard when no
	// event arrives, as a Go duration. A shard that has stayed Ready with
	// nothing to do is re-checked up to four times less often: a tablet that
	// fails turns its pod NotReady, which is an event.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('24h')",message="reconcileInterval must be between 1s and 24h"
	ReconcileInterval *metav1.Duration `json:"reconcileInterval,omitempty"`
	// Paused stops every action of the operator on this shard.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// Failover says what happens when the shard loses its primary.
	// +optional
	Failover *FailoverPolicy `json:"failover,omitempty"`
	// UpdateStrategy says how changes to tablet pods are rolled out.
	// +optional
	UpdateStrategy *UpdateStrategy `json:"updateStrategy,omitempty"`
	// PersistentVolumeClaimRetentionPolicy says whether tablet claims are kept or deleted.
	// +optional
	PersistentVolumeClaimRetentionPolicy *common.PVCRetentionPolicy `json:"persistentVolumeClaimRetentionPolicy,omitempty"`
}

// VitessShardStatus is the observed state of a VitessShard; its members are
// tablet pods and its primary holds at most one name.
type VitessShardStatus struct {
	common.ObjectStatus     `json:",inline"`
	common.ReplicatedStatus `json:",inline"`
	// Backups are the shard's backups, as vtctld last listed them.
	// +optional
	Backups *ShardBackups `json:"backups,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// VitessShardList is a list of VitessShards.
type VitessShardList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the shards.
	Items []VitessShard `json:"items"`
}
