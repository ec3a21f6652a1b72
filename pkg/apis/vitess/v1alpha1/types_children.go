package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=vtc,categories=vitess
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.vtgate.replicas,statuspath=.status.vtgateReplicas,selectorpath=.status.vtgateSelector
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.spec.cluster`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1

// VitessCell is one cell of a VitessCluster: its lockserver, vtctld and
// vtgate. The operator makes it from the cluster; edit the cluster instead.
type VitessCell struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the cell as rendered from its cluster.
	Spec VitessCellSpec `json:"spec"`
	// Status is the cell as the operator last observed it.
	// +optional
	Status VitessCellStatus `json:"status,omitempty"`
}

// VitessCellSpec is a cell of a cluster with what it needs from the cluster.
// A cell without a vtgate cannot be scaled: the scale subresource would add
// a vtgate holding nothing but replicas, which the cluster never renders (it
// always gives a vtgate its authentication, or the user's auth flags), so
// such a vtgate is refused.
// +kubebuilder:validation:XValidation:rule="size(self.cluster) + size(self.name) <= 42",message="cluster and name together must not exceed 42 characters, so that the cell's tablet pod and etcd names fit",fieldPath=".name"
// +kubebuilder:validation:XValidation:rule="has(oldSelf.vtgate) || !has(self.vtgate) || has(self.vtgate.authentication) || has(self.vtgate.flags) || has(self.vtgate.image)",message="vtgate: the cell runs no vtgate, so there is nothing to scale; add a vtgate to the cell in its VitessCluster",fieldPath=".vtgate"
type VitessCellSpec struct {
	// Cluster is the name of the VitessCluster this cell belongs to.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Cluster  string `json:"cluster"`
	CellSpec `json:",inline"`
	// Keyspaces are the names of the keyspaces with tablets in this cell.
	// +optional
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:items:MaxLength=32
	// +kubebuilder:validation:MaxItems=32
	// +listType=set
	Keyspaces []string `json:"keyspaces,omitempty"`
	// TabletCells are the cells of the cluster that have tablets; the cell's
	// vtgates watch them.
	// +optional
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:items:MaxLength=24
	// +kubebuilder:validation:MaxItems=16
	// +listType=set
	TabletCells []string `json:"tabletCells,omitempty"`
	// Topology says where the cluster's topology and this cell's live.
	// +optional
	Topology TopologySpec `json:"topology,omitempty"`
	// Template carries the cluster's labels and annotations for the cell's pods.
	// +optional
	Template *ChildTemplate `json:"template,omitempty"`
	// BackupLocation is the cluster's backup store, with its path
	// resolved, for the cell's vtctld, which lists and removes backups.
	// +optional
	BackupLocation *BackupLocation `json:"backupLocation,omitempty"`
	// BackupFlags are the cluster's backup flags.
	// +optional
	BackupFlags map[string]string `json:"backupFlags,omitempty"`
}

// TopologySpec says where a cluster's topology lives, as the cluster renders
// it for its children.
type TopologySpec struct {
	// Implementation is the Vitess topology implementation, such as etcd2.
	// +optional
	Implementation string `json:"implementation,omitempty"`
	// GlobalServerAddress is the address of the global topology server.
	// +optional
	GlobalServerAddress string `json:"globalServerAddress,omitempty"`
	// GlobalRoot is the directory of the global topology in its server.
	// +optional
	GlobalRoot string `json:"globalRoot,omitempty"`
	// CellServerAddress is the address of the cell's topology server, on a VitessCell.
	// +optional
	CellServerAddress string `json:"cellServerAddress,omitempty"`
	// CellRoot is the directory of the cell's topology in its server, on a VitessCell.
	// +optional
	CellRoot string `json:"cellRoot,omitempty"`
}

// VitessCellStatus is the observed state of a VitessCell.
type VitessCellStatus struct {
	common.ObjectStatus `json:",inline"`
	// LockserverReady is true when the cell's topology server answers.
	// +optional
	LockserverReady bool `json:"lockserverReady,omitempty"`
	// VtctldReadyReplicas is the number of ready vtctld pods.
	// +optional
	VtctldReadyReplicas int32 `json:"vtctldReadyReplicas,omitempty"`
	// VtgateReadyReplicas is the number of ready vtgate pods.
	// +optional
	VtgateReadyReplicas int32 `json:"vtgateReadyReplicas,omitempty"`
	// VtgateReplicas is the number of vtgate pods, as the vtgate
	// Deployment counts them: the status.replicas of the cell's scale
	// subresource.
	// +optional
	VtgateReplicas int32 `json:"vtgateReplicas,omitempty"`
	// VtgateSelector is the label selector of the cell's vtgate pods, in
	// string form: the status.selector of the cell's scale subresource,
	// through which a HorizontalPodAutoscaler finds the pods it measures.
	// +optional
	VtgateSelector string `json:"vtgateSelector,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// VitessCellList is a list of VitessCells.
type VitessCellList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the cells.
	Items []VitessCell `json:"items"`
}

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=vtk,categories=vitess
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Ready-Shards",type=integer,JSONPath=`.status.readyShards`
// +kubebuilder:printcolumn:name="Shards",type=integer,JSONPath=`.status.shards`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1

// VitessKeyspace is one keyspace of a VitessCluster and its shards. The
// operator makes it from the cluster; edit the cluster instead.
type VitessKeyspace struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the keyspace as rendered from its cluster.
	Spec VitessKeyspaceSpec `json:"spec"`
	// Status is the keyspace as the operator last observed it.
	// +optional
	Status VitessKeyspaceStatus `json:"status,omitempty"`
}

// VitessKeyspaceSpec is a keyspace of a cluster with what it needs from the cluster.
// +kubebuilder:validation:XValidation:rule="self.cells.all(c, size(self.cluster) + size(c) <= 42)",message="cluster and each of cells together must not exceed 42 characters, so that tablet pod names fit",fieldPath=".cells"
type VitessKeyspaceSpec struct {
	// Cluster is the name of the VitessCluster this keyspace belongs to.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Cluster      string `json:"cluster"`
	KeyspaceSpec `json:",inline"`
	// Topology says where the cluster's topology lives.
	// +optional
	Topology TopologySpec `json:"topology,omitempty"`
	// BackupFlags are the cluster's backup flags.
	// +optional
	BackupFlags map[string]string `json:"backupFlags,omitempty"`
}

// VitessKeyspaceStatus is the observed state of a VitessKeyspace.
type VitessKeyspaceStatus struct {
	common.ObjectStatus `json:",inline"`
	// Shards is the number of shards the keyspace has.
	// +optional
	Shards int32 `json:"shards,omitempty"`
	// ReadyShards is the number of shards that are ready.
	// +optional
	ReadyShards int32 `json:"readyShards,omitempty"`
	// DurabilityPolicy is the durability policy the operator last set on the
	// keyspace in the topology.
	// +optional
	DurabilityPolicy string `json:"durabilityPolicy,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// VitessKeyspaceList is a list of VitessKeyspaces.
type VitessKeyspaceList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the keyspaces.
	Items []VitessKeyspace `json:"items"`
}
