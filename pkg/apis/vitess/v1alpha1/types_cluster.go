package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// GlobalCellName is the name of the cell that holds the global topology.
const GlobalCellName = "global"

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=vt,categories=vitess
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready-Shards",type=integer,JSONPath=`.status.readyShards`
// +kubebuilder:printcolumn:name="Shards",type=integer,JSONPath=`.status.shards`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 24",message="metadata.name: at most 24 characters, since it prefixes the names of the cluster's Services and Deployments"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name: a lower-case letter first, then letters, digits and dashes (no dots), since it starts the names of the cluster's Services"
// +kubebuilder:validation:XValidation:rule="self.spec.cells.all(c, size(self.metadata.name) + size(c.name) <= 42)",message="metadata.name and spec.cells[].name together must not exceed 42 characters: tablet pods are named <cluster>-vttablet-<cell>-<uid> (at most 63 characters) and etcd StatefulSets <cluster>-etcd-<cell> (at most 52, for their pods' revision label)",fieldPath=".spec.cells"

// VitessCluster is a whole Vitess cluster: its cells with their lockservers,
// vtctld and vtgate, and its keyspaces with their shards and tablets. It is
// the only vitess.io object users write.
type VitessCluster struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired cluster.
	Spec VitessClusterSpec `json:"spec"`
	// Status is the cluster as the operator last observed it.
	// +optional
	Status VitessClusterStatus `json:"status,omitempty"`
}

// VitessClusterSpec is the desired state of a VitessCluster. Its form follows
// the Metacontroller Vitess example, so manifests written for it apply as they
// are; fields this operator adds sit beside the original ones.
// +kubebuilder:validation:XValidation:rule="!has(self.keyspaces) || self.keyspaces.all(k, k.cells.all(c, self.cells.exists(x, x.name == c)))",message="every cell named in spec.keyspaces[].cells must be a cell in spec.cells",fieldPath=".keyspaces"
// +kubebuilder:validation:XValidation:rule="self.cells.exists_one(c, c.name == 'global')",message="spec.cells must hold exactly one cell named global, which keeps the global topology",fieldPath=".cells"
// +kubebuilder:validation:XValidation:rule="!has(self.keyspaces) || self.keyspaces.map(k, has(k.shards) && size(k.shards) > 0 ? size(k.shards) : 1).sum() <= 256",message="spec.keyspaces: at most 256 shards over all keyspaces, the largest cluster measured (doc/benchmarks.md)",fieldPath=".keyspaces"
// +kubebuilder:validation:XValidation:rule="!has(self.keyspaces) || self.keyspaces.map(k, (has(k.shards) && size(k.shards) > 0 ? size(k.shards) : 1) * size(k.cells) * ((has(k.tablets) && has(k.tablets.masterEligible) && has(k.tablets.masterEligible.replicas) ? k.tablets.masterEligible.replicas : 0) + (has(k.tablets) && has(k.tablets.batch) && has(k.tablets.batch.replicas) ? k.tablets.batch.replicas : 0))).sum() <= 1024",message="spec.keyspaces: at most 1024 tablets in the cluster (shards x cells x tablets of each pool, over all keyspaces)",fieldPath=".keyspaces"
type VitessClusterSpec struct {
	// Selector is accepted for manifests written for the Metacontroller example;
	// the operator labels and selects the children itself.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	// Template carries labels and annotations the operator adds to every child
	// object and pod of the cluster.
	// +optional
	Template *ChildTemplate `json:"template,omitempty"`
	// Cells are the cells of the cluster. The cell named global holds the
	// global topology; the others hold tablets and vtgates.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=map
	// +listMapKey=name
	Cells []CellSpec `json:"cells"`
	// Keyspaces are the keyspaces of the cluster, each with its shards and tablets.
	// +optional
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=name
	Keyspaces []KeyspaceSpec `json:"keyspaces,omitempty"`
	// BackupFlags are added to every Vitess process that takes or restores backups.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) > 0 && !k.startsWith('-'))",message="flag names are given without leading dashes, which the operator adds"
	BackupFlags map[string]string `json:"backupFlags,omitempty"`
	// Backup says where backups are stored, when they are taken and how many
	// are kept; tablets that start empty restore the latest one. Unset: no
	// backups.
	// +optional
	Backup *BackupSpec `json:"backup,omitempty"`
	// MySQL configures the tablets' MySQL accounts.
	// +optional
	MySQL *MySQLSpec `json:"mysql,omitempty"`
	// ReconcileInterval is how often the operator re-checks the cluster when no
	// event arrives, as a Go duration such as 30s. A shard that has stayed
	// Ready with nothing to do is re-checked up to four times less often: a
	// tablet that fails turns its pod NotReady, which is an event.
	// +optional
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('24h')",message="reconcileInterval must be between 1s and 24h"
	ReconcileInterval *metav1.Duration `json:"reconcileInterval,omitempty"`
	// Paused stops every action of the operator on this cluster until it is unset.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// Failover says what the operator does when a shard loses its primary.
	// +optional
	Failover *FailoverPolicy `json:"failover,omitempty"`
	// UpdateStrategy says how changes to tablet pods are rolled out.
	// +optional
	UpdateStrategy *UpdateStrategy `json:"updateStrategy,omitempty"`
	// PersistentVolumeClaimRetentionPolicy says whether tablet claims are kept
	// (the default) or deleted when the cluster is deleted or a tablet pool shrinks.
	// +optional
	PersistentVolumeClaimRetentionPolicy *common.PVCRetentionPolicy `json:"persistentVolumeClaimRetentionPolicy,omitempty"`
}

// ChildTemplate holds metadata the operator copies onto the objects it makes.
type ChildTemplate struct {
	// Metadata holds the labels and annotations to copy.
	// +optional
	Metadata ChildMetadata `json:"metadata,omitempty"`
}

// ChildMetadata is the metadata copied onto child objects.
type ChildMetadata struct {
	// Labels are added to every child object and pod.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are added to every child object and pod.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// FailoverPolicy configures what happens when a shard's primary is lost.
type FailoverPolicy struct {
	// Mode is Automatic (the default) to promote the most advanced replica, or
	// Manual to only report the lost primary in status.
	// +optional
	// +kubebuilder:validation:Enum=Automatic;Manual
	// +kubebuilder:default=Automatic
	Mode string `json:"mode,omitempty"`
	// MemberTimeouts say how long a tablet may take to start (default 10m)
	// and how long one that cannot be reached is waited for (default 30s).
	common.MemberTimeouts `json:",inline"`
}

// Failover modes.
const (
	// FailoverAutomatic promotes the most advanced replica when a primary is lost.
	FailoverAutomatic = "Automatic"
	// FailoverManual leaves a lost primary to the user and reports it.
	FailoverManual = "Manual"
)

// UpdateStrategy configures how tablet pods take a changed spec.
type UpdateStrategy struct {
	// Type is RollingUpdate (the default) to replace tablets one at a time,
	// replicas first and the primary last after a planned reparent, or OnDelete
	// to replace a tablet only when its pod is deleted.
	// +optional
	// +kubebuilder:validation:Enum=RollingUpdate;OnDelete
	// +kubebuilder:default=RollingUpdate
	Type string `json:"type,omitempty"`
}

// Update strategy types.
const (
	// UpdateRolling replaces tablets one at a time, the primary last.
	UpdateRolling = "RollingUpdate"
	// UpdateOnDelete replaces a tablet only when its pod is deleted.
	UpdateOnDelete = "OnDelete"
)

// VitessClusterStatus is the observed state of a VitessCluster.
type VitessClusterStatus struct {
	common.ObjectStatus `json:",inline"`
	// Cells is the number of cells the cluster has.
	// +optional
	Cells int32 `json:"cells,omitempty"`
	// ReadyCells is the number of cells that are ready.
	// +optional
	ReadyCells int32 `json:"readyCells,omitempty"`
	// Shards is the number of shards over all keyspaces.
	// +optional
	Shards int32 `json:"shards,omitempty"`
	// ReadyShards is the number of shards that are ready.
	// +optional
	ReadyShards int32 `json:"readyShards,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// VitessClusterList is a list of VitessClusters.
type VitessClusterList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the clusters.
	Items []VitessCluster `json:"items"`
}
