package vitess

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// EtcdObjects are the objects of a cell's etcd cluster: a StatefulSet whose
// members bootstrap statically from their stable names, the headless Service
// that gives them those names, the Service clients use, and a PDB that keeps
// a quorum through voluntary disruptions, and a NetworkPolicy that lets only
// the cluster's own pods reach it.
type EtcdObjects struct {
	StatefulSet *appsv1.StatefulSet
	Peers       *corev1.Service
	Client      *corev1.Service
	PDB         *policyv1.PodDisruptionBudget
	Policy      *networkingv1.NetworkPolicy
}

// RenderEtcd renders the etcd of cell.
func RenderEtcd(vc *v1alpha1.VitessCell, owner metav1.OwnerReference) EtcdObjects {
	e := vc.Spec.Etcd
	name := EtcdName(vc.Spec.Cluster, vc.Spec.Name)
	size := e.Size
	if size < 1 {
		size = 3
	}
	labels := componentLabels(vc.Spec.Cluster, vc.Spec.Name, componentEtcd)
	meta := func(n string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: n, Namespace: vc.Namespace, Labels: labels, OwnerReferences: []metav1.OwnerReference{owner}}
	}
	peer := func(i int32, port int) string {
		return fmt.Sprintf("http://%s-%d.%s.%s.svc:%d", name, i, name, vc.Namespace, port)
	}
	var initial []string
	for i := int32(0); i < size; i++ {
		initial = append(initial, fmt.Sprintf("%s-%d=%s", name, i, peer(i, EtcdPeer)))
	}
	self := fmt.Sprintf("http://$(POD_NAME).%s.%s.svc", name, vc.Namespace)
	claim := corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
	}
	if e.VolumeClaim != nil {
		claim = *e.VolumeClaim.DeepCopy()
	}
	sts := &appsv1.StatefulSet{
		ObjectMeta: meta(name),
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &size,
			ServiceName:         name,
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(vc.Spec.Template, labels),
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: new(false),
					Affinity:                     spreadOver(labels),
					SecurityContext:              etcdPodSecurityContext(),
					Containers: []corev1.Container{{
						Name:  componentEtcd,
						Image: etcdImage(e),
						Command: []string{"etcd",
							"--name=$(POD_NAME)",
							"--data-dir=/var/lib/etcd",
							fmt.Sprintf("--listen-client-urls=http://0.0.0.0:%d", EtcdPort),
							fmt.Sprintf("--advertise-client-urls=%s:%d", self, EtcdPort),
							fmt.Sprintf("--listen-peer-urls=http://0.0.0.0:%d", EtcdPeer),
							fmt.Sprintf("--initial-advertise-peer-urls=%s:%d", self, EtcdPeer),
							"--initial-cluster=" + strings.Join(initial, ","),
							"--initial-cluster-state=new",
							"--initial-cluster-token=" + name,
						},
						Env: []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{
							FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
						Ports: []corev1.ContainerPort{
							{Name: "client", ContainerPort: EtcdPort},
							{Name: "peer", ContainerPort: EtcdPeer},
						},
						Resources:    e.Resources,
						VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/etcd"}},
						ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
							Path: "/health", Port: intstr.FromInt32(EtcdPort)}}},
						// No privilege escalation, no capabilities, a read-only root (podsecurity.go).
						SecurityContext: containerSecurityContext(),
					}},
				},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: labels},
				Spec:       claim,
			}},
		},
	}
	applyPodOptions(&sts.Spec.Template.ObjectMeta, &sts.Spec.Template.Spec, e.PodOptions, vc.Spec.Zone)
	peers := &corev1.Service{
		ObjectMeta: meta(name),
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, PublishNotReadyAddresses: true, Selector: labels,
			Ports: []corev1.ServicePort{{Name: "peer", Port: EtcdPeer}, {Name: "client", Port: EtcdPort}}},
	}
	client := &corev1.Service{
		ObjectMeta: meta(EtcdClientService(vc.Spec.Cluster, vc.Spec.Name)),
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Name: "client", Port: EtcdPort}}},
	}
	unavailable := intstr.FromInt32((size - 1) / 2)
	if size < 3 {
		unavailable = intstr.FromInt32(0)
	}
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: meta(name),
		Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &unavailable, Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}
	policy := &networkingv1.NetworkPolicy{ObjectMeta: meta(name), Spec: etcdPolicy(vc.Spec.Cluster, labels)}
	return EtcdObjects{StatefulSet: sts, Peers: peers, Client: client, PDB: pdb, Policy: policy}
}

// etcdPolicy admits to an etcd's members, selected by members, only the
// pods of its own cluster (vtctld, vtgate, tablets, the etcd of other
// cells), on the client port, and the members themselves on the peer port.
// The topology holds every tablet's address and the keyspaces' routing, and
// etcd serves it without authentication over plain HTTP, so nothing else in
// the namespace, and nothing outside it, may reach it. Pods without the
// cluster's label, such as a debugging shell, are refused too.
func etcdPolicy(cluster string, members map[string]string) networkingv1.NetworkPolicySpec {
	tcp := corev1.ProtocolTCP
	port := func(p int32) []networkingv1.NetworkPolicyPort {
		n := intstr.FromInt32(p)
		return []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: &n}}
	}
	fromPods := func(sel map[string]string) []networkingv1.NetworkPolicyPeer {
		return []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: sel}}}
	}
	return networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: members},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		Ingress: []networkingv1.NetworkPolicyIngressRule{
			{From: fromPods(map[string]string{LabelCluster: cluster}), Ports: port(EtcdPort)},
			{From: fromPods(members), Ports: port(EtcdPeer)},
		},
	}
}
