package rss

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Kind is the kind label value of ReplicatedStatefulSet members.
const Kind = "ReplicatedStatefulSet"

// defaultLostAfter is how long an unreachable member is waited for:
// longer than the node lifecycle controller's 40 s grace period, so that a
// member whose node died is seen as such (its pod marked not ready) before,
// and not taken for one whose kubelet would carry out its pod's deletion.
const defaultLostAfter = 60 * time.Second

// set adapts one ReplicatedStatefulSet to the engine.
type set struct {
	rss      *v1alpha1.ReplicatedStatefulSet
	revision string
	driver   dataplane.Driver
	status   k8s.StatusWriter[*v1alpha1.ReplicatedStatefulSet]
	refused  string
}

// newSet adapts rss; its members are driven with the hook commands of its
// spec through exec, and its status is written with status. operatorAccount
// is the ServiceAccount the operator runs as, which members may not use.
func newSet(rss *v1alpha1.ReplicatedStatefulSet, exec dataplane.Executor, status k8s.StatusWriter[*v1alpha1.ReplicatedStatefulSet],
	operatorAccount string) (*set, error) {
	rev, err := podRevision(rss)
	if err != nil {
		return nil, err
	}
	return &set{rss: rss, revision: rev, driver: dataplane.NewCommands(exec, rss.Spec.Pod.Commands), status: status,
		refused: refusal(rss, operatorAccount)}, nil
}

var _ replication.Set = (*set)(nil)

func (s *set) Object() replication.Object { return s.rss }
func (s *set) Kind() string               { return Kind }
func (s *set) KnownGoodReplicas() int     { return int(s.rss.Status.KnownGoodReplicas) }
func (s *set) LastPrimaries() []string    { return s.rss.Status.Members.Primary }
func (s *set) Driver() dataplane.Driver   { return s.driver }

// Spec asks for replicas members 0..n-1, every one eligible, and
// spec.primaries primaries (all of them when unset).
func (s *set) Spec() replication.Spec {
	spec := s.rss.Spec
	primaries := int(spec.Replicas)
	if spec.Primaries != nil {
		primaries = int(*spec.Primaries)
	}
	var timeouts *common.MemberTimeouts
	if spec.Failover != nil {
		timeouts = &spec.Failover.MemberTimeouts
	}
	return replication.Spec{
		Desired:                 replication.Ordinals(int(spec.Replicas)),
		Primaries:               primaries,
		Paused:                  spec.Paused,
		Revision:                s.revision,
		ReconcileInterval:       replication.ReconcileInterval(spec.ReconcileInterval),
		DeleteClaimsOnScaleDown: replication.ClaimRetentionOf(spec.PersistentVolumeClaimRetentionPolicy).DeleteOnScaleDown,
		StartupTimeout:          timeouts.StartupOr(replication.DefaultStartupTimeout),
		LostAfter:               timeouts.UnreachableOr(defaultLostAfter),
		// The hooks cannot stop a member they cannot reach; only the user
		// can say the application isolates it by itself.
		IsolatesLostPrimary: spec.Failover != nil && spec.Failover.NodeLoss == v1alpha1.NodeLossFailOver,
	}
}

// Blocked is always empty: a ReplicatedStatefulSet needs nothing else first.
func (s *set) Blocked() string { return "" }

// Refused says why the operator will not run the set (refusal).
func (s *set) Refused() string { return s.refused }

func (s *set) PodName(ordinal int) string { return podName(s.rss, ordinal) }

// Pod renders a member's pod (renderPod).
func (s *set) Pod(ordinal int) (*corev1.Pod, error) {
	return renderPod(s.rss, ordinal, s.revision), nil
}

// Claims renders a member's claims (renderClaims).
func (s *set) Claims(ordinal int) []*corev1.PersistentVolumeClaim {
	return renderClaims(s.rss, ordinal)
}

// Services renders the headless and the client Service (renderServices).
func (s *set) Services() []*corev1.Service { return renderServices(s.rss) }

// Member reaches a member through the first container of its pod, by its
// name under the headless Service.
func (s *set) Member(pod *corev1.Pod) dataplane.Member {
	return dataplane.Member{
		Target:  dataplane.Target{Namespace: s.rss.Namespace, Pod: pod.Name, Container: s.rss.Spec.Pod.Containers[0].Name},
		DNSName: memberDNSName(s.rss, pod.Name),
	}
}

// WriteStatus stores the report in status when it differs.
func (s *set) WriteStatus(ctx context.Context, r replication.Report) error {
	return replication.WriteReport(ctx, s.status, s.rss, r)
}
