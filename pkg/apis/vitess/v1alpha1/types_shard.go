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
// +kubebuilder:printcolumn:name="Primary",type=string,JSONPath=`.status.members.primary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

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
type VitessShardSpec struct {
	// Cluster is the name of the VitessCluster this shard belongs to.
	// +kubebuilder:validation:MinLength=1
	Cluster string `json:"cluster"`
	// Keyspace is the name of the keyspace this shard belongs to.
	// +kubebuilder:validation:MinLength=1
	Keyspace string `json:"keyspace"`
	// Name is the Vitess shard name, such as -80 or 0.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// KeyRange is the shard's key range; unset for a named shard.
	// +optional
	KeyRange *KeyRange `json:"keyRange,omitempty"`
	// Cells are the cells with tablets of this shard.
	// +kubebuilder:validation:MinItems=1
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
	BackupFlags map[string]string `json:"backupFlags,omitempty"`
	// ReconcileInterval is how often the operator re-checks the shard when no
	// event arrives, as a Go duration.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
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
