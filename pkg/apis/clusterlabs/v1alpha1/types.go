package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// +genclient
// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=rss,categories=vitess
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Desired",type=integer,JSONPath=`.spec.replicas`
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.readyReplicas`
// +kubebuilder:printcolumn:name="Primary",type=string,JSONPath=`.status.members.primary`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 59 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name: at most 59 characters, a lower-case letter first, then letters, digits and dashes (no dots): it names the headless Service, the client Service <name>-svc and the member pods <name>-<ordinal>"
// +kubebuilder:validation:XValidation:rule="!has(self.spec.service) || !has(self.spec.service.name) || self.spec.service.name != self.metadata.name",message="spec.service.name must differ from metadata.name, which names the set's headless Service",fieldPath=".spec.service.name"

// ReplicatedStatefulSet is a set of pods with stable names and one
// PersistentVolumeClaim each, of which some act as primaries and the rest as
// secondaries, driven by the replication commands in spec.pod.commands.
type ReplicatedStatefulSet struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired set: its size, its primaries and how to run its members.
	Spec ReplicatedStatefulSetSpec `json:"spec"`
	// Status is the set as the operator last observed it.
	// +optional
	Status ReplicatedStatefulSetStatus `json:"status,omitempty"`
}

// ReplicatedStatefulSetSpec is the desired state of a ReplicatedStatefulSet.
// +kubebuilder:validation:XValidation:rule="!has(self.primaries) || self.replicas == 0 || self.primaries <= self.replicas",message="spec.primaries must not exceed spec.replicas",fieldPath=".primaries"
// +kubebuilder:validation:XValidation:rule="!has(self.primaries) || self.primaries >= self.replicas || has(self.pod.commands.secondary)",message="spec.primaries below spec.replicas needs a secondary command: without one, every member would start as a primary",fieldPath=".pod.commands"
type ReplicatedStatefulSetSpec struct {
	// Replicas is the number of members. Zero stops the set and keeps its claims.
	// +optional
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	Replicas int32 `json:"replicas"`
	// Primaries is how many members act as primaries; unset means every member.
	// +optional
	// +kubebuilder:validation:Minimum=1
	Primaries *int32 `json:"primaries,omitempty"`
	// ReconcileInterval is how often the operator re-checks the set when no event
	// arrives, as a Go duration such as 30s. It is a safety net: the operator acts
	// on pod and claim events as they happen.
	// +optional
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('24h')",message="reconcileInterval must be between 1s and 24h"
	ReconcileInterval *metav1.Duration `json:"reconcileInterval,omitempty"`
	// Paused stops every action of the operator on this set until it is unset.
	// +optional
	Paused bool `json:"paused,omitempty"`
	// Pod says how to build and drive each member pod.
	Pod PodPolicy `json:"pod"`
	// Service configures the client Service that selects the active primaries.
	// +optional
	Service *ServicePolicy `json:"service,omitempty"`
	// PersistentVolumeClaimRetentionPolicy says whether member claims are kept
	// (the default) or deleted when the set is deleted or scaled down.
	// +optional
	PersistentVolumeClaimRetentionPolicy *common.PVCRetentionPolicy `json:"persistentVolumeClaimRetentionPolicy,omitempty"`
	// Failover says how members that do not answer are handled.
	// +optional
	Failover *FailoverPolicy `json:"failover,omitempty"`
}

// FailoverPolicy says how the members of a set that do not answer are
// handled, and when a lost primary is replaced.
type FailoverPolicy struct {
	// MemberTimeouts say how long a member may take to start (default 10m)
	// and how long one that cannot be reached is waited for (default 60s).
	common.MemberTimeouts `json:",inline"`
	// NodeLoss says what happens to a primary whose node stops reporting.
	// The hooks cannot stop a member they cannot reach, so by default
	// (WaitForConfirmation) the set waits until Kubernetes removes the pod,
	// which it does once the node is confirmed down: an administrator taints
	// it node.kubernetes.io/out-of-service, or deletes the Node. FailOver
	// promotes another member at once, which is safe only when the
	// application's clients stop writing to a primary they cannot reach.
	// +optional
	// +kubebuilder:validation:Enum=WaitForConfirmation;FailOver
	// +kubebuilder:default=WaitForConfirmation
	NodeLoss string `json:"nodeLoss,omitempty"`
}

// Node loss policies.
const (
	// NodeLossWaitForConfirmation waits for a lost node to be confirmed down.
	NodeLossWaitForConfirmation = "WaitForConfirmation"
	// NodeLossFailOver fails a primary on a lost node over at once.
	NodeLossFailOver = "FailOver"
)

// PodPolicy describes the member pods and the commands that drive them.
// +kubebuilder:validation:XValidation:rule="!has(self.volumeClaimTemplates) || self.volumeClaimTemplates.all(t, self.volumeClaimTemplates.exists_one(u, u.metadata.name == t.metadata.name) && (!has(self.volumes) || !self.volumes.exists(v, v.name == t.metadata.name)))",message="volumeClaimTemplates names must be unique and differ from the names of volumes: each becomes a volume of the pod",fieldPath=".volumeClaimTemplates"
type PodPolicy struct {
	// AntiAffinity asks the scheduler to place the members on different nodes.
	// +optional
	AntiAffinity bool `json:"antiAffinity,omitempty"`
	// NodeSelector restricts the members to nodes that carry all of these labels.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`
	// Tolerations let the members run on nodes with matching taints.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
	// SecurityContext is the pod-level security context of every member.
	// +optional
	SecurityContext *corev1.PodSecurityContext `json:"securityContext,omitempty"`
	// ServiceAccountName is the ServiceAccount the members run as. It may not
	// be the operator's own (vitess-operator), whose rights (exec in every
	// pod, deleting claims) whoever writes a set would otherwise gain; the
	// operator also refuses, at run time, the account it runs as.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self != 'vitess-operator'",message="serviceAccountName must not be vitess-operator, the operator's own ServiceAccount"
	ServiceAccountName string `json:"serviceAccountName,omitempty"`
	// AutomountServiceAccountToken says whether the members get an API token
	// mounted; unset leaves it to the ServiceAccount.
	// +optional
	AutomountServiceAccountToken *bool `json:"automountServiceAccountToken,omitempty"`
	// ImagePullSecrets name Secrets used to pull the member images.
	// +optional
	// +listType=atomic
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`
	// Commands are the replication hooks the operator runs in the first
	// container of a member.
	Commands Commands `json:"commands"`
	// Containers are the containers of every member; the commands run in the first.
	// +kubebuilder:validation:MinItems=1
	// +listType=atomic
	Containers []corev1.Container `json:"containers"`
	// Volumes are extra volumes of every member, beside the claim templates.
	// +optional
	// +kubebuilder:validation:MaxItems=64
	// +listType=atomic
	Volumes []corev1.Volume `json:"volumes,omitempty"`
	// VolumeClaimTemplates describe the claims every member gets; each member's
	// claim is named <template>-<pod> and outlives the pod.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	// +listType=atomic
	VolumeClaimTemplates []ClaimTemplate `json:"volumeClaimTemplates,omitempty"`
}

// ClaimTemplate is a PersistentVolumeClaim template, in the form a StatefulSet
// takes it.
type ClaimTemplate struct {
	// Metadata names the template and carries labels and annotations for the claims.
	Metadata ClaimTemplateMeta `json:"metadata"`
	// Spec is the spec every claim made from this template gets.
	Spec corev1.PersistentVolumeClaimSpec `json:"spec"`
}

// ClaimTemplateMeta is the metadata of a claim template.
type ClaimTemplateMeta struct {
	// Name is the template's name; it is also the volume name containers mount.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name"`
	// Labels are added to every claim made from this template.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
	// Annotations are added to every claim made from this template.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Commands are the replication hooks of a ReplicatedStatefulSet. Each runs in
// the member's first container; the DNS names of the current primaries are
// appended as arguments.
type Commands struct {
	// Sequence prints the member's replication position as an unsigned integer.
	Sequence Command `json:"sequence"`
	// Seed starts the first primary of a new set; unset means primary is used.
	// +optional
	Seed *Command `json:"seed,omitempty"`
	// Primary starts the member as a primary.
	Primary Command `json:"primary"`
	// Secondary starts the member as a secondary; unset means primary is used.
	// +optional
	Secondary *Command `json:"secondary,omitempty"`
	// Status reports the member's state by exit code: 0 running secondary,
	// 7 stopped, 8 running primary, anything else failed.
	Status Command `json:"status"`
	// Stop stops the member's application so it no longer acts as a primary or secondary.
	Stop Command `json:"stop"`
}

// Command is one replication hook.
type Command struct {
	// Command is the program and its arguments, run without a shell.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:items:MinLength=1
	// +listType=atomic
	Command []string `json:"command"`
	// Timeout bounds one run of the command, as a Go duration between 1s and
	// 1h; the default is 30s. Shorter would take a slow member for a failed
	// one and stop it in a loop; longer would hold up a failover as long.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s') && duration(self) <= duration('1h')",message="timeout must be between 1s and 1h"
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// ServicePolicy configures the client Service of a set.
type ServicePolicy struct {
	// Name is the client Service's name; the default is <set>-svc.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z]([-a-z0-9]*[a-z0-9])?$`
	Name string `json:"name,omitempty"`
	// SessionAffinity is None or ClientIP, as on a Service.
	// +optional
	// +kubebuilder:validation:Enum=None;ClientIP
	SessionAffinity corev1.ServiceAffinity `json:"sessionAffinity,omitempty"`
	// Ports are the client Service's ports; the default is the first container's ports.
	// +optional
	// +listType=atomic
	Ports []corev1.ServicePort `json:"ports,omitempty"`
}

// ReplicatedStatefulSetStatus is the observed state of a ReplicatedStatefulSet.
type ReplicatedStatefulSetStatus struct {
	common.ObjectStatus     `json:",inline"`
	common.ReplicatedStatus `json:",inline"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object
// +kubebuilder:object:root=true

// ReplicatedStatefulSetList is a list of ReplicatedStatefulSets.
type ReplicatedStatefulSetList struct {
	metav1.TypeMeta `json:",inline"`
	// Standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the sets.
	Items []ReplicatedStatefulSet `json:"items"`
}
