// Package rss runs ReplicatedStatefulSets on the replication engine: it
// renders a set's member pods, claims and services from its spec, drives its
// members with the user's hook commands, and maps the engine's report onto
// the set's status.
package rss

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
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

// defaultReconcileInterval applies when spec.reconcileInterval is unset.
const defaultReconcileInterval = 30 * time.Second

// set adapts one ReplicatedStatefulSet to the engine.
type set struct {
	rss      *v1alpha1.ReplicatedStatefulSet
	revision string
	driver   dataplane.Driver
	client   versioned.Interface
}

func newSet(rss *v1alpha1.ReplicatedStatefulSet, exec dataplane.Executor, client versioned.Interface) (*set, error) {
	rev, err := k8s.Hash(podTemplate(rss))
	if err != nil {
		return nil, err
	}
	return &set{rss: rss, revision: rev, driver: dataplane.NewCommands(exec, rss.Spec.Pod.Commands), client: client}, nil
}

// podTemplate is what a member pod is made of: a change to it rolls the
// members. Commands, size and the service are left out on purpose.
func podTemplate(rss *v1alpha1.ReplicatedStatefulSet) any {
	p := rss.Spec.Pod
	return []any{p.AntiAffinity, p.NodeSelector, p.Tolerations, p.SecurityContext, p.ServiceAccountName,
		p.AutomountServiceAccountToken, p.ImagePullSecrets, p.Containers, p.Volumes, claimNames(rss)}
}

func claimNames(rss *v1alpha1.ReplicatedStatefulSet) []string {
	var names []string
	for _, t := range rss.Spec.Pod.VolumeClaimTemplates {
		names = append(names, t.Metadata.Name)
	}
	return names
}

func (s *set) Object() replication.Object { return s.rss }

func (s *set) Kind() string { return Kind }

func (s *set) Spec() replication.Spec {
	spec := s.rss.Spec
	primaries := int(spec.Replicas)
	if spec.Primaries != nil {
		primaries = int(*spec.Primaries)
	}
	interval := defaultReconcileInterval
	if spec.ReconcileInterval != nil && spec.ReconcileInterval.Duration > 0 {
		interval = spec.ReconcileInterval.Duration
	}
	policy := spec.PersistentVolumeClaimRetentionPolicy
	var timeouts *common.MemberTimeouts
	if spec.Failover != nil {
		timeouts = &spec.Failover.MemberTimeouts
	}
	return replication.Spec{
		Desired:                 replication.Ordinals(int(spec.Replicas)),
		Primaries:               primaries,
		Paused:                  spec.Paused,
		Revision:                s.revision,
		ReconcileInterval:       interval,
		DeleteClaimsOnScaleDown: policy != nil && policy.WhenScaled == common.RetentionDelete,
		StartupTimeout:          timeouts.StartupOr(replication.DefaultStartupTimeout),
		LostAfter:               timeouts.UnreachableOr(defaultLostAfter),
		// The hooks cannot stop a member they cannot reach; only the user
		// can say the application isolates it by itself.
		IsolatesLostPrimary: spec.Failover != nil && spec.Failover.NodeLoss == v1alpha1.NodeLossFailOver,
	}
}

func (s *set) KnownGoodReplicas() int { return int(s.rss.Status.KnownGoodReplicas) }

func (s *set) PodName(ordinal int) string { return fmt.Sprintf("%s-%d", s.rss.Name, ordinal) }

// headlessName is the Service that gives members their DNS names.
func (s *set) headlessName() string { return s.rss.Name }

func (s *set) Member(pod *corev1.Pod) dataplane.Member {
	return dataplane.Member{
		Target:  dataplane.Target{Namespace: s.rss.Namespace, Pod: pod.Name, Container: s.rss.Spec.Pod.Containers[0].Name},
		DNSName: fmt.Sprintf("%s.%s.%s.svc", pod.Name, s.headlessName(), s.rss.Namespace),
	}
}

// Blocked is always empty: a ReplicatedStatefulSet needs nothing else first.
func (s *set) Blocked() string { return "" }

func (s *set) Driver() dataplane.Driver { return s.driver }

// WriteStatus stores the report in status when it differs.
func (s *set) WriteStatus(ctx context.Context, r replication.Report) error {
	w := k8s.StatusWriter[*v1alpha1.ReplicatedStatefulSet]{
		Status: func(o *v1alpha1.ReplicatedStatefulSet) any { return &o.Status },
		Update: func(ctx context.Context, o *v1alpha1.ReplicatedStatefulSet) (*v1alpha1.ReplicatedStatefulSet, error) {
			return s.client.ClusterlabsV1alpha1().ReplicatedStatefulSets(o.Namespace).UpdateStatus(ctx, o, metav1.UpdateOptions{})
		},
	}
	return replication.WriteReport(ctx, w, s.rss, r, func(o *v1alpha1.ReplicatedStatefulSet) (*common.ObjectStatus, *common.ReplicatedStatus) {
		return &o.Status.ObjectStatus, &o.Status.ReplicatedStatus
	})
}

// ownerRef makes the set the controller of its pods and services.
func (s *set) ownerRef() metav1.OwnerReference {
	return k8s.ControllerRef(s.rss, v1alpha1.SchemeGroupVersion.WithKind(Kind))
}

// Services are the headless Service that gives members stable DNS names,
// also while they are not ready, and the client Service that selects the
// running primaries only.
func (s *set) Services() []*corev1.Service {
	labels := replication.SetLabels(Kind, s.rss.Name)
	headless := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: s.headlessName(), Namespace: s.rss.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{s.ownerRef()}},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, PublishNotReadyAddresses: true, Selector: labels,
			Ports: containerPorts(s.rss)},
	}
	name := s.rss.Name + "-svc"
	var ports []corev1.ServicePort
	var affinity corev1.ServiceAffinity
	if svc := s.rss.Spec.Service; svc != nil {
		if svc.Name != "" {
			name = svc.Name
		}
		ports, affinity = svc.Ports, svc.SessionAffinity
	}
	if len(ports) == 0 {
		ports = containerPorts(s.rss)
	}
	selector := replication.SetLabels(Kind, s.rss.Name)
	selector[replication.LabelRole] = replication.RolePrimary
	client := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.rss.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{s.ownerRef()}},
		Spec: corev1.ServiceSpec{Selector: selector, Ports: ports, SessionAffinity: affinity},
	}
	if len(ports) == 0 {
		// A Service with a cluster IP needs a port; without any, clients
		// find the primaries through DNS.
		client.Spec.ClusterIP = corev1.ClusterIPNone
	}
	return []*corev1.Service{headless, client}
}

// containerPorts are the ports the members' containers declare.
func containerPorts(rss *v1alpha1.ReplicatedStatefulSet) []corev1.ServicePort {
	var ports []corev1.ServicePort
	for _, c := range rss.Spec.Pod.Containers {
		for _, p := range c.Ports {
			ports = append(ports, corev1.ServicePort{Name: p.Name, Port: p.ContainerPort, Protocol: p.Protocol})
		}
	}
	if len(ports) > 1 {
		// A Service with several ports needs a name on each.
		for i := range ports {
			if ports[i].Name == "" {
				ports[i].Name = fmt.Sprintf("port-%d", ports[i].Port)
			}
		}
	}
	return ports
}
