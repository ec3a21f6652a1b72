package rss

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Everything here is a pure function of a ReplicatedStatefulSet: what the
// set's Kubernetes objects are made of, with no client and no state.

// podName is the name of a member's pod, as a StatefulSet names it.
func podName(rss *v1alpha1.ReplicatedStatefulSet, ordinal int) string {
	return fmt.Sprintf("%s-%d", rss.Name, ordinal)
}

// headlessName is the Service that gives members their DNS names.
func headlessName(rss *v1alpha1.ReplicatedStatefulSet) string { return rss.Name }

// clientName is the Service that selects the running primaries.
func clientName(rss *v1alpha1.ReplicatedStatefulSet) string {
	if svc := rss.Spec.Service; svc != nil && svc.Name != "" {
		return svc.Name
	}
	return rss.Name + "-svc"
}

// claimName is the name of a member's claim from a template, as a
// StatefulSet names it.
func claimName(template, pod string) string { return fmt.Sprintf("%s-%s", template, pod) }

// memberDNSName is a member's stable name under the headless Service.
func memberDNSName(rss *v1alpha1.ReplicatedStatefulSet, pod string) string {
	return fmt.Sprintf("%s.%s.%s.svc", pod, headlessName(rss), rss.Namespace)
}

// ownerRef makes the set the controller of its pods and services.
func ownerRef(rss *v1alpha1.ReplicatedStatefulSet) metav1.OwnerReference {
	return k8s.ControllerRef(rss, v1alpha1.SchemeGroupVersion.WithKind(Kind))
}

// podTemplate is what a member pod is made of: a change to it rolls the
// members. Commands, size and the service are left out on purpose.
func podTemplate(rss *v1alpha1.ReplicatedStatefulSet) any {
	p := rss.Spec.Pod
	return []any{p.AntiAffinity, p.NodeSelector, p.Tolerations, p.SecurityContext, p.ServiceAccountName,
		p.AutomountServiceAccountToken, p.ImagePullSecrets, p.Containers, p.Volumes, claimNames(rss)}
}

// podRevision is the hash of the pod template: the revision label of the
// members made from it.
func podRevision(rss *v1alpha1.ReplicatedStatefulSet) (string, error) {
	rev, err := k8s.Hash(podTemplate(rss))
	if err != nil {
		return "", fmt.Errorf("pod template revision: %w", err)
	}
	return rev, nil
}

// claimNames are the names of the claim templates, as the pods mount them.
func claimNames(rss *v1alpha1.ReplicatedStatefulSet) []string {
	var names []string
	for _, t := range rss.Spec.Pod.VolumeClaimTemplates {
		names = append(names, t.Metadata.Name)
	}
	return names
}

// renderPod renders a member's pod: the containers and volumes of spec.pod,
// one claim per template mounted under the template's name, a stable
// hostname under the headless Service, and anti-affinity on the set label
// the pods carry when spec.pod.antiAffinity is set.
func renderPod(rss *v1alpha1.ReplicatedStatefulSet, ordinal int, revision string) *corev1.Pod {
	spec := rss.Spec.Pod
	name := podName(rss, ordinal)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       rss.Namespace,
			Labels:          replication.MemberLabels(Kind, rss.Name, ordinal, revision),
			OwnerReferences: []metav1.OwnerReference{ownerRef(rss)},
		},
		Spec: corev1.PodSpec{
			Hostname:                     name,
			Subdomain:                    headlessName(rss),
			Containers:                   deepCopyContainers(spec.Containers),
			NodeSelector:                 spec.NodeSelector,
			Tolerations:                  spec.Tolerations,
			SecurityContext:              spec.SecurityContext.DeepCopy(),
			ServiceAccountName:           spec.ServiceAccountName,
			AutomountServiceAccountToken: spec.AutomountServiceAccountToken,
			ImagePullSecrets:             spec.ImagePullSecrets,
		},
	}
	for _, v := range spec.Volumes {
		pod.Spec.Volumes = append(pod.Spec.Volumes, *v.DeepCopy())
	}
	for _, t := range spec.VolumeClaimTemplates {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{
			Name: t.Metadata.Name,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
				ClaimName: claimName(t.Metadata.Name, name),
			}},
		})
	}
	if spec.AntiAffinity {
		pod.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				LabelSelector: &metav1.LabelSelector{MatchLabels: replication.SetLabels(Kind, rss.Name)},
				TopologyKey:   corev1.LabelHostname,
			}},
		}}
	}
	return pod
}

func deepCopyContainers(cs []corev1.Container) []corev1.Container {
	out := make([]corev1.Container, len(cs))
	for i := range cs {
		out[i] = *cs[i].DeepCopy()
	}
	return out
}

// renderClaims renders a member's claims from the templates. A claim gets
// an owner reference to the set only when the retention policy deletes
// claims with the set; otherwise it outlives the set, as data must unless
// told.
func renderClaims(rss *v1alpha1.ReplicatedStatefulSet, ordinal int) []*corev1.PersistentVolumeClaim {
	pod := podName(rss, ordinal)
	retention := replication.ClaimRetentionOf(rss.Spec.PersistentVolumeClaimRetentionPolicy)
	var claims []*corev1.PersistentVolumeClaim
	for _, t := range rss.Spec.Pod.VolumeClaimTemplates {
		labels := replication.SetLabels(Kind, rss.Name)
		for k, v := range t.Metadata.Labels {
			labels[k] = v
		}
		claims = append(claims, &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{
				Name:            claimName(t.Metadata.Name, pod),
				Namespace:       rss.Namespace,
				Labels:          labels,
				Annotations:     t.Metadata.Annotations,
				OwnerReferences: retention.ClaimOwners(ownerRef(rss)),
			},
			Spec: *t.Spec.DeepCopy(),
		})
	}
	return claims
}

// renderServices renders the headless Service that gives members stable
// DNS names, also while they are not ready, and the client Service that
// selects the running primaries only.
func renderServices(rss *v1alpha1.ReplicatedStatefulSet) []*corev1.Service {
	labels := replication.SetLabels(Kind, rss.Name)
	headless := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: headlessName(rss), Namespace: rss.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{ownerRef(rss)}},
		Spec: corev1.ServiceSpec{ClusterIP: corev1.ClusterIPNone, PublishNotReadyAddresses: true, Selector: labels,
			Ports: containerPorts(rss)},
	}
	var ports []corev1.ServicePort
	var affinity corev1.ServiceAffinity
	if svc := rss.Spec.Service; svc != nil {
		ports, affinity = svc.Ports, svc.SessionAffinity
	}
	if len(ports) == 0 {
		ports = containerPorts(rss)
	}
	selector := replication.SetLabels(Kind, rss.Name)
	selector[replication.LabelRole] = replication.RolePrimary
	client := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: clientName(rss), Namespace: rss.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{ownerRef(rss)}},
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
