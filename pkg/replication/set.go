package replication

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// Object is the API object of a set: what events are recorded on.
type Object interface {
	metav1.Object
	runtime.Object
}

// Set is what the engine needs from a kind that runs on it: the desired
// state, how to build members, how to reach them and where status goes.
type Set interface {
	// Object is the set's API object.
	Object() Object
	// Kind names the set's kind, for labels, logs and metrics.
	Kind() string
	// Spec is the desired state.
	Spec() Spec
	// KnownGoodReplicas is the size the set last ran healthy at, from its status.
	KnownGoodReplicas() int
	// LastPrimaries are the pods the set's status last named primaries:
	// after a restart the engine remembers nothing, and a primary whose pod
	// is gone would look like any member.
	LastPrimaries() []string
	// PodName is the name of a member's pod.
	PodName(ordinal int) string
	// Pod renders a member's pod. It carries the labels of Labels, the
	// ordinal, revision and a stopped role, and an owner reference to the set.
	Pod(ordinal int) (*corev1.Pod, error)
	// Claims renders a member's claims.
	Claims(ordinal int) []*corev1.PersistentVolumeClaim
	// Services renders the services of the set.
	Services() []*corev1.Service
	// Member is how the driver reaches the member running in pod.
	Member(pod *corev1.Pod) dataplane.Member
	// Blocked says why the set cannot act yet, such as a keyspace that is
	// not in the topology; empty when it can.
	Blocked() string
	// Refused says why the operator will not run the set as its spec asks
	// (a field it refuses, such as the operator's own ServiceAccount), naming
	// the field; empty when it will. A refused set takes no step, reports
	// Degraded and announces the refusal as an event.
	Refused() string
	// Driver drives the set's data plane.
	Driver() dataplane.Driver
	// WriteStatus stores r in the set's status if it differs from what is there.
	WriteStatus(ctx context.Context, r Report) error
}

// Report is the status of a set as the engine computes it; each kind maps it
// onto its own status type.
type Report struct {
	Phase              string
	Conditions         []metav1.Condition
	Members            common.Members
	Replicas           int32
	ReadyReplicas      int32
	KnownGoodReplicas  int32
	Selector           string
	ObservedGeneration int64
}

// Fill writes the report into a set's status fields.
func (r Report) Fill(os *common.ObjectStatus, rs *common.ReplicatedStatus) {
	k8s.SetObjectStatus(os, r.ObservedGeneration, r.Phase, r.Conditions...)
	*rs = common.ReplicatedStatus{Replicas: r.Replicas, ReadyReplicas: r.ReadyReplicas, Selector: r.Selector,
		Members: r.Members, KnownGoodReplicas: r.KnownGoodReplicas}
}

// ReplicatedObject is an object of a replicated kind: its status has the
// common part and the replicated part.
type ReplicatedObject interface {
	k8s.StatusObject
	StatusParts() (*common.ObjectStatus, *common.ReplicatedStatus)
}

// NewReportWriter returns the status writer of a replicated kind: client is
// its namespaced typed client, as client.VitessV1alpha1().VitessShards. A
// reconciler keeps one for its kind (the writer remembers its last writes).
func NewReportWriter[T ReplicatedObject, C k8s.StatusUpdater[T]](client func(namespace string) C) k8s.StatusWriter[T] {
	return k8s.NewStatusWriter(client, func(o T) any { os, rs := o.StatusParts(); return []any{os, rs} })
}

// WriteReport stores r in obj's status with w, the kind's one status
// writer: the WriteStatus of every replicated kind.
func WriteReport[T ReplicatedObject](ctx context.Context, w k8s.StatusWriter[T], obj T, r Report) error {
	_, err := w.Write(ctx, obj, func(next T) { r.Fill(next.StatusParts()) })
	return err
}
