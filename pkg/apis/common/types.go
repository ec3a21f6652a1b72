package common

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition types every object of this operator reports.
const (
	// ConditionReady is True when the object does what its spec asks and serves.
	ConditionReady = "Ready"
	// ConditionProgressing is True while the operator is moving the object
	// toward its spec: creating, resizing, rolling or failing over.
	ConditionProgressing = "Progressing"
	// ConditionDegraded is True when something is wrong that the operator is
	// repairing or cannot repair on its own; the message says what.
	ConditionDegraded = "Degraded"
)

// Phases: the one-word summary in status.phase, the same words on every kind
// (doc/design/api.md, "Status").
const (
	// PhaseCreating means the object's parts are being made for the first
	// time: it has never been Ready (for a replicated set: no primary was
	// ever seeded).
	PhaseCreating = "Creating"
	// PhaseReady means every part of the object is as its spec asks and serves.
	PhaseReady = "Ready"
	// PhaseDegraded means the object was Ready, or cannot become Ready, and
	// a part is missing, failed or refused; the Degraded condition says which.
	PhaseDegraded = "Degraded"
	// PhasePaused means spec.paused is set and the operator takes no action.
	PhasePaused = "Paused"
)

// Members lists the pods of a replicated set by the state the operator last
// observed them in. A pod appears in at most one of ready, unready and failed;
// a ready primary appears in both primary and ready.
type Members struct {
	// Primary names the member pods that currently act as primaries.
	// +optional
	// +listType=atomic
	Primary []string `json:"primary,omitempty"`
	// Ready names the member pods whose status hook reports them running.
	// +optional
	// +listType=atomic
	Ready []string `json:"ready,omitempty"`
	// Unready names the member pods that exist but are not yet, or no longer, serving.
	// +optional
	// +listType=atomic
	Unready []string `json:"unready,omitempty"`
	// Failed names the member pods the operator found failed and is stopping or replacing.
	// +optional
	// +listType=atomic
	Failed []string `json:"failed,omitempty"`
}

// ObjectStatus is the part of status that every object of this operator has.
type ObjectStatus struct {
	// ObservedGeneration is the metadata.generation of the spec this status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Phase is a one-word summary of the object's state, for people and scripts.
	// +optional
	Phase string `json:"phase,omitempty"`
	// Conditions are the Ready, Progressing and Degraded conditions, each with a
	// reason and a message.
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// ReplicatedStatus is the status every replicated set reports beside the
// common one: its members by state and its size, for the scale subresource.
type ReplicatedStatus struct {
	// Replicas is the number of member pods that exist.
	// +optional
	Replicas int32 `json:"replicas,omitempty"`
	// ReadyReplicas is the number of members that run as a primary or secondary.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
	// Selector is the label selector of the member pods, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty"`
	// Members lists the member pods by state.
	// +optional
	Members Members `json:"members,omitempty"`
	// KnownGoodReplicas is the size the set last ran healthy at. A set with no
	// pods left is not started again with fewer members than this, since the
	// latest data may be on a member it would not start.
	// +optional
	KnownGoodReplicas int32 `json:"knownGoodReplicas,omitempty"`
}

// PVCRetentionPolicy says what happens to a member's PersistentVolumeClaim
// when the member goes away. Data is kept unless a field here says Delete.
type PVCRetentionPolicy struct {
	// WhenDeleted is Retain (the default) to keep the claims when the owning
	// object is deleted, or Delete to remove them with it.
	// +optional
	// +kubebuilder:validation:Enum=Retain;Delete
	// +kubebuilder:default=Retain
	WhenDeleted string `json:"whenDeleted,omitempty"`
	// WhenScaled is Retain (the default) to keep a removed member's claim so a
	// later scale-up reuses its data, or Delete to remove it with the member.
	// +optional
	// +kubebuilder:validation:Enum=Retain;Delete
	// +kubebuilder:default=Retain
	WhenScaled string `json:"whenScaled,omitempty"`
}

// Retention policy values.
const (
	// RetentionRetain keeps PersistentVolumeClaims.
	RetentionRetain = "Retain"
	// RetentionDelete removes PersistentVolumeClaims.
	RetentionDelete = "Delete"
)

// MemberTimeouts say how long the operator waits for a member that does not
// answer before it acts on it.
type MemberTimeouts struct {
	// StartupTimeout is how long a member may take, from the moment its
	// containers started, to answer its status check. Until then a member
	// that fails its check is starting, and is neither stopped nor deleted:
	// a database initialising its data directory or recovering from a crash
	// must not be interrupted. After it, a failed check counts as a failure.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('10s') && duration(self) <= duration('24h')",message="startupTimeout must be between 10s and 24h"
	StartupTimeout *metav1.Duration `json:"startupTimeout,omitempty"`
	// UnreachableTimeout is how long a member that cannot be reached (its
	// kubelet or container does not answer an exec) is waited for before it
	// counts as lost: a lost primary is failed over, a lost member replaced,
	// and a position it last reported no longer holds a failover back. A
	// member whose node stops reporting is lost at once. The default is 30s
	// for a Vitess shard and 60s for a ReplicatedStatefulSet: longer than
	// the node lifecycle controller's grace period (40s by default), so that
	// a node that died is known as such before the timeout ends, and its
	// primary is not taken for one whose kubelet will carry out a deletion.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('5s') && duration(self) <= duration('1h')",message="unreachableTimeout must be between 5s and 1h"
	UnreachableTimeout *metav1.Duration `json:"unreachableTimeout,omitempty"`
}

// StartupOr is the startup timeout, or def when unset.
func (t *MemberTimeouts) StartupOr(def time.Duration) time.Duration {
	if t == nil || t.StartupTimeout == nil || t.StartupTimeout.Duration <= 0 {
		return def
	}
	return t.StartupTimeout.Duration
}

// UnreachableOr is the unreachable timeout, or def when unset.
func (t *MemberTimeouts) UnreachableOr(def time.Duration) time.Duration {
	if t == nil || t.UnreachableTimeout == nil || t.UnreachableTimeout.Duration <= 0 {
		return def
	}
	return t.UnreachableTimeout.Duration
}
