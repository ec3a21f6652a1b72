package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
)

// CellSpec is one cell of a cluster: where its topology lives and which
// Vitess servers run in it.
// +kubebuilder:validation:XValidation:rule="!(has(self.etcd) && has(self.lockserver))",message="a cell takes either etcd or lockserver, not both"
type CellSpec struct {
	// Name is the cell's name; global names the cell that holds the global topology.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Zone binds the cell to a zone: every pod of the cell (its etcd,
	// vtctld, vtgates and tablets) is scheduled on nodes whose
	// topology.kubernetes.io/zone label has this value.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Zone string `json:"zone,omitempty"`
	// Etcd runs an etcd cluster for this cell's topology.
	// +optional
	Etcd *EtcdSpec `json:"etcd,omitempty"`
	// Lockserver points the cell's topology at a lockserver run elsewhere.
	// +optional
	Lockserver *LockserverSpec `json:"lockserver,omitempty"`
	// Vtctld runs the Vitess control daemon in this cell.
	// +optional
	Vtctld *ComponentSpec `json:"vtctld,omitempty"`
	// Vtgate runs the Vitess query routers of this cell.
	// +optional
	Vtgate *VtgateSpec `json:"vtgate,omitempty"`
	// Orchestrator is accepted for manifests written for the Metacontroller
	// example; failover is done by the operator and this field is not used.
	// +optional
	Orchestrator *ComponentSpec `json:"orchestrator,omitempty"`
}

// EtcdSpec configures an etcd cluster the operator runs for a cell.
type EtcdSpec struct {
	// Version is the etcd version, used to pick the image when image is unset.
	// +optional
	// +kubebuilder:validation:Pattern=`^v?[0-9]+\.[0-9]+\.[0-9]+$`
	Version string `json:"version,omitempty"`
	// Image overrides the etcd image.
	// +optional
	Image string `json:"image,omitempty"`
	// Size is the number of etcd members; an odd number keeps a quorum through one loss.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=9
	Size int32 `json:"size,omitempty"`
	// Resources are the compute resources of each etcd member.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// VolumeClaim is the claim each etcd member gets for its data.
	// +optional
	VolumeClaim *corev1.PersistentVolumeClaimSpec `json:"volumeClaim,omitempty"`
	// PodOptions are the etcd pods' scheduling, pull and metadata options.
	PodOptions `json:",inline"`
}

// LockserverSpec points a cell's topology at a lockserver the operator does not run.
type LockserverSpec struct {
	// External is the address and root of a lockserver run elsewhere.
	External ExternalLockserver `json:"external"`
}

// ExternalLockserver is a topology server run outside this cluster.
type ExternalLockserver struct {
	// Implementation is the Vitess topology implementation; the default is etcd2.
	// +optional
	// +kubebuilder:default=etcd2
	// +kubebuilder:validation:Enum=etcd2;consul;zk2
	Implementation string `json:"implementation,omitempty"`
	// Address is the lockserver's client address, such as etcd.example:2379.
	// +kubebuilder:validation:MinLength=1
	Address string `json:"address"`
	// RootPath is the directory in the lockserver that holds this cell's topology.
	// +kubebuilder:validation:Pattern=`^/.*`
	RootPath string `json:"rootPath"`
}

// ComponentSpec configures a Vitess server that runs as a Deployment.
type ComponentSpec struct {
	// Image is the container image; the default is the operator's pinned Vitess image.
	// +optional
	Image string `json:"image,omitempty"`
	// Replicas is the number of pods.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=0
	Replicas int32 `json:"replicas,omitempty"`
	// Resources are the compute resources of each pod's container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// Flags are extra command-line flags, name to value, without leading dashes.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) > 0 && !k.startsWith('-'))",message="flag names are given without leading dashes, which the operator adds"
	Flags map[string]string `json:"flags,omitempty"`
	// PodOptions are the pods' scheduling, pull, metadata and security options.
	PodOptions `json:",inline"`
}

// VtgateSpec configures the vtgates of a cell.
type VtgateSpec struct {
	ComponentSpec `json:",inline"`
	// Authentication configures how MySQL clients log in to vtgate.
	// +optional
	Authentication *VtgateAuthentication `json:"authentication,omitempty"`
	// Service configures the cell's vtgate Service, which MySQL clients
	// connect to.
	// +optional
	Service *VtgateService `json:"service,omitempty"`
	// Autoscaler gives the cell's vtgates a HorizontalPodAutoscaler, which
	// scales the VitessCell through its scale subresource between
	// minReplicas and maxReplicas. While it is set, the cell's vtgate
	// replicas belong to the autoscaler: the replicas field only sizes a new
	// cell (within minReplicas and maxReplicas), and the cluster no longer
	// restores the cell's count.
	// +optional
	Autoscaler *VtgateAutoscaler `json:"autoscaler,omitempty"`
}

// VtgateService is how a cell's vtgates are exposed.
type VtgateService struct {
	// Type is the Service's type. Unset, the Service keeps the type it has
	// (ClusterIP when the operator made it).
	// +optional
	// +kubebuilder:validation:Enum=ClusterIP;NodePort;LoadBalancer
	Type corev1.ServiceType `json:"type,omitempty"`
	// Annotations are added to the Service, such as a cloud's load
	// balancer settings. Annotations others add are kept; one removed from
	// here is left on the Service.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// VtgateAuthentication names the Secret with vtgate's static MySQL users.
type VtgateAuthentication struct {
	// SecretName is the Secret that holds the users file.
	// +kubebuilder:validation:MinLength=1
	SecretName string `json:"secretName"`
	// Key is the Secret key of the users file; the default is users.json.
	// +optional
	// +kubebuilder:default=users.json
	Key string `json:"key,omitempty"`
}

// KeyspaceSpec is one keyspace: the cells it serves in, its shards and its tablets.
// +kubebuilder:validation:XValidation:rule="!has(self.shards) || self.shards.all(s, has(s.keyRange)) || self.shards.all(s, !has(s.keyRange))",message="the shards of a keyspace are either all key ranges or all named",fieldPath=".shards"
// +kubebuilder:validation:XValidation:rule="!has(self.shards) || !self.shards.exists(s, has(s.keyRange)) || self.shards.exists_one(s, size(s.keyRange.start) == 0)",message="exactly one shard's keyRange must start at the beginning of the key space (empty start)",fieldPath=".shards"
// +kubebuilder:validation:XValidation:rule="!has(self.shards) || !self.shards.exists(s, has(s.keyRange)) || self.shards.exists_one(s, size(s.keyRange.end) == 0)",message="exactly one shard's keyRange must reach the end of the key space (empty end)",fieldPath=".shards"
// +kubebuilder:validation:XValidation:rule="!has(self.shards) || !self.shards.all(s, has(s.keyRange)) || self.shards.all(s, size(s.keyRange.end) == 0 || self.shards.exists_one(t, t.keyRange.start == s.keyRange.end))",message="shard key ranges must neither overlap nor leave gaps: every end must be the start of exactly one shard",fieldPath=".shards"
// +kubebuilder:validation:XValidation:rule="!has(self.shards) || !self.shards.all(s, has(s.keyRange)) || self.shards.all(s, size(s.keyRange.start) == 0 || self.shards.exists_one(t, t.keyRange.end == s.keyRange.start))",message="shard key ranges must neither overlap nor leave gaps: every start must be the end of exactly one shard",fieldPath=".shards"
// +kubebuilder:validation:XValidation:rule="!has(self.shards) || self.shards.all(s, has(s.keyRange)) || self.shards.all(s, self.shards.exists_one(t, t.name == s.name))",message="shard names must be unique within a keyspace",fieldPath=".shards"
// +kubebuilder:validation:XValidation:rule="has(self.tablets) && has(self.tablets.masterEligible) && has(self.tablets.masterEligible.replicas) && self.tablets.masterEligible.replicas >= 1",message="tablets.masterEligible.replicas must be at least 1: a keyspace without master-eligible tablets has no primary and serves nothing; delete the keyspace to remove it",fieldPath=".tablets.masterEligible.replicas"
// +kubebuilder:validation:XValidation:rule="size(self.cells) * ((has(self.tablets) && has(self.tablets.masterEligible) && has(self.tablets.masterEligible.replicas) ? self.tablets.masterEligible.replicas : 0) + (has(self.tablets) && has(self.tablets.batch) && has(self.tablets.batch.replicas) ? self.tablets.batch.replicas : 0)) <= 64",message="tablets: at most 64 tablets a shard (cells x tablets of each pool)",fieldPath=".tablets"
// +kubebuilder:validation:XValidation:rule="!has(self.durabilityPolicy) || self.durabilityPolicy == 'none' || (has(self.tablets) && has(self.tablets.masterEligible) && has(self.tablets.masterEligible.replicas) && self.tablets.masterEligible.replicas * size(self.cells) >= 3)",message="durabilityPolicy semi_sync and cross_cell need at least three master-eligible tablets over the keyspace's cells: after a primary is lost, the replica promoted needs another to acknowledge its writes, and Vitess refuses the failover otherwise",fieldPath=".durabilityPolicy"
// +kubebuilder:validation:XValidation:rule="!has(self.durabilityPolicy) || self.durabilityPolicy != 'cross_cell' || (size(self.cells) >= 3 || (size(self.cells) == 2 && has(self.tablets.masterEligible.replicas) && self.tablets.masterEligible.replicas >= 2))",message="durabilityPolicy cross_cell needs three cells, or two with at least two master-eligible tablets each, so that a primary promoted after a loss has a replica in another cell to acknowledge",fieldPath=".durabilityPolicy"
type KeyspaceSpec struct {
	// Name is the keyspace's name.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Cells are the cells whose tablets serve this keyspace.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:XValidation:rule="self != 'global'",message="tablets do not run in the global cell"
	// +listType=set
	Cells []string `json:"cells"`
	// Shards are the shards of the keyspace; none means one unsharded shard named 0.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	Shards []ShardSpec `json:"shards,omitempty"`
	// Tablets configures the tablets of every shard of the keyspace.
	// +optional
	Tablets TabletsSpec `json:"tablets,omitempty"`
	// DurabilityPolicy is the Vitess durability policy of the keyspace: which
	// tablets must acknowledge a write before the primary commits it, and so
	// which writes a failover keeps. semi_sync (one replica-type tablet
	// acknowledges every write; rdonly tablets never do) is the default when
	// the keyspace has at least three master-eligible tablets over its
	// cells; none (asynchronous: a failover may lose the latest acknowledged
	// writes) otherwise, since under semi_sync a primary with no replica to
	// acknowledge blocks every write, and Vitess refuses to fail over to a
	// replica that would have none. cross_cell asks for the acknowledgement
	// from another cell.
	// +optional
	// +kubebuilder:validation:Enum=none;semi_sync;cross_cell
	DurabilityPolicy string `json:"durabilityPolicy,omitempty"`
	// Backup is the keyspace's own backup schedule and retention, over the
	// cluster's.
	// +optional
	Backup *KeyspaceBackup `json:"backup,omitempty"`
}

// Durability policies, as Vitess names them.
const (
	DurabilityNone      = "none"
	DurabilitySemiSync  = "semi_sync"
	DurabilityCrossCell = "cross_cell"
)

// ShardSpec names one shard, either by a key range or, for custom sharding
// and unsharded keyspaces, by name.
// +kubebuilder:validation:XValidation:rule="has(self.keyRange) != has(self.name)",message="a shard takes either keyRange or name"
type ShardSpec struct {
	// KeyRange is the range of keyspace IDs this shard holds.
	// +optional
	KeyRange *KeyRange `json:"keyRange,omitempty"`
	// Name is the shard's name when it has no key range, such as 0 for an
	// unsharded keyspace: lower-case letters and digits. It holds no dash,
	// since Vitess reads a shard name with a dash as a key range.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z0-9]+$`
	Name string `json:"name,omitempty"`
}

// KeyRange is a half-open range [start, end) of keyspace IDs, each bound as
// lower-case hex bytes; an empty start is the beginning of the key space and an
// empty end is its end. Bounds compare as byte strings, as in Vitess.
// +kubebuilder:validation:XValidation:rule="size(self.start) == 0 || size(self.end) == 0 || self.start < self.end",message="keyRange.start must be less than keyRange.end"
type KeyRange struct {
	// Start is the first keyspace ID in the range, as lower-case hex; empty means the beginning.
	// +optional
	// +kubebuilder:default=""
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9a-f][0-9a-f])*$`
	Start string `json:"start"`
	// End is the first keyspace ID after the range, as lower-case hex; empty means the end.
	// +optional
	// +kubebuilder:default=""
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^([0-9a-f][0-9a-f])*$`
	End string `json:"end"`
}

// TabletsSpec configures the tablets of every shard of a keyspace.
type TabletsSpec struct {
	// Defaults apply to every tablet pool.
	// +optional
	Defaults *TabletDefaults `json:"defaults,omitempty"`
	// MasterEligible is the pool of replica tablets, one of which is the primary.
	// +optional
	MasterEligible *TabletPool `json:"masterEligible,omitempty"`
	// Batch is the pool of rdonly tablets for batch work; they are never promoted.
	// +optional
	Batch *TabletPool `json:"batch,omitempty"`
}

// TabletDefaults are settings shared by every tablet pool.
type TabletDefaults struct {
	// Image is the Vitess image of vttablet, and of mysqld unless a pool's
	// mysql.image names another; the default is the operator's pinned image.
	// The mysqld container runs Vitess's mysqlctld, which starts mysqld: its
	// image must hold both and the mysql client, as vitess/lite does, and
	// work as uid 999, the user tablet pods run as (vitess/lite's vitess).
	// +optional
	Image string `json:"image,omitempty"`
	// VolumeClaim is the claim each tablet gets for its MySQL data.
	// +optional
	VolumeClaim *corev1.PersistentVolumeClaimSpec `json:"volumeClaim,omitempty"`
	// TerminationGracePeriodSeconds is how long a tablet pod is given to
	// stop once it is deleted (evicted by a node drain, rolled, scaled
	// down). A primary's pod first holds, for up to half of it, until the
	// operator has moved the primary role to another tablet with a planned
	// reparent; mysqld then shuts down cleanly in the rest. The default is
	// 120.
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=3600
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
	// Sidecars are extra containers in every tablet pod, such as a mysqld
	// exporter. They may mount the pod's volumes by name: vtdataroot (the
	// tablet's data; mysqld's socket is
	// /vt/vtdataroot/vt_$(TABLET_UID)/mysql.sock) and tmp. Each gets the
	// tablet's identity as env (TABLET_ALIAS, TABLET_UID, TABLET_CELL,
	// TABLET_KEYSPACE, TABLET_SHARD, TABLET_TYPE) and, unless it sets its
	// own, the tablet containers' security context (read-only root, no
	// privilege, no capability). Changing them restarts every tablet, one at
	// a time, each shard's primary last.
	// +optional
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:XValidation:rule="self.all(c, c.name != 'vttablet' && c.name != 'mysqld')",message="sidecars cannot be named vttablet or mysqld, the tablet's own containers"
	// +listType=map
	// +listMapKey=name
	Sidecars []corev1.Container `json:"sidecars,omitempty"`
}

// TabletPool is a group of tablets of one type in every cell of a shard.
type TabletPool struct {
	// Replicas is the number of tablets of this pool in each cell of the keyspace.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=32
	Replicas int32 `json:"replicas,omitempty"`
	// Vttablet configures the vttablet container.
	// +optional
	Vttablet *TabletContainer `json:"vttablet,omitempty"`
	// Mysql configures the mysqld container.
	// +optional
	Mysql *TabletContainer `json:"mysql,omitempty"`
	// MyCnf is a my.cnf fragment for the pool's mysqld, such as
	// "max_connections = 2000": mysqlctld adds it to the [mysqld] group of
	// the my.cnf it writes (Vitess's EXTRA_MY_CNF), at a tablet's first
	// start and at every restart. Vitess reads my.cnf as a Go template, so
	// "{{" has a meaning there. Changing it restarts the pool's tablets, one
	// at a time, the primary last.
	// +optional
	// +kubebuilder:validation:MaxLength=16384
	MyCnf string `json:"myCnf,omitempty"`
	// PodOptions are the pool's pods' scheduling, pull, metadata and
	// security options.
	PodOptions `json:",inline"`
}

// TabletContainer configures one container of a tablet pod.
type TabletContainer struct {
	// Image overrides the image for this container.
	// +optional
	Image string `json:"image,omitempty"`
	// Resources are the container's compute resources.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
	// Flags are extra command-line flags, name to value, without leading dashes.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) > 0 && !k.startsWith('-'))",message="flag names are given without leading dashes, which the operator adds"
	Flags map[string]string `json:"flags,omitempty"`
}
