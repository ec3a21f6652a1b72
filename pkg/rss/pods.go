package rss

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// claimName is the name of a member's claim from a template, as a
// StatefulSet names it.
func claimName(template, pod string) string { return fmt.Sprintf("%s-%s", template, pod) }

// Pod renders a member's pod: the containers and volumes of spec.pod, one
// claim per template mounted under the template's name, a stable hostname
// under the headless Service, and anti-affinity on the set label the pods
// carry when spec.pod.antiAffinity is set.
func (s *set) Pod(ordinal int) (*corev1.Pod, error) {
	spec := s.rss.Spec.Pod
	name := s.PodName(ordinal)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       s.rss.Namespace,
			Labels:          replication.MemberLabels(Kind, s.rss.Name, ordinal, s.revision),
			OwnerReferences: []metav1.OwnerReference{s.ownerRef()},
		},
		Spec: corev1.PodSpec{
			Hostname:                     name,
			Subdomain:                    s.headlessName(),
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
				LabelSelector: &metav1.LabelSelector{MatchLabels: replication.SetLabels(Kind, s.rss.Name)},
				TopologyKey:   corev1.LabelHostname,
			}},
		}}
	}
	return pod, nil
}

func deepCopyContainers(cs []corev1.Container) []corev1.Container {
	out := make([]corev1.Container, len(cs))
	for i := range cs {
		out[i] = *cs[i].DeepCopy()
	}
	return out
}

// Claims renders a member's claims from the templates. A claim gets an owner
// reference to the set only when the retention policy deletes claims with
// the set; otherwise it outlives the set, as data must unless told.
func (s *set) Claims(ordinal int) []*corev1.PersistentVolumeClaim {
	pod := s.PodName(ordinal)
	policy := s.rss.Spec.PersistentVolumeClaimRetentionPolicy
	var claims []*corev1.PersistentVolumeClaim
	for _, t := range s.rss.Spec.Pod.VolumeClaimTemplates {
		labels := replication.SetLabels(Kind, s.rss.Name)
		for k, v := range t.Metadata.Labels {
			labels[k] = v
		}
		c := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{
				Name:        claimName(t.Metadata.Name, pod),
				Namespace:   s.rss.Namespace,
				Labels:      labels,
				Annotations: t.Metadata.Annotations,
			},
			Spec: *t.Spec.DeepCopy(),
		}
		if policy != nil && policy.WhenDeleted == common.RetentionDelete {
			c.OwnerReferences = []metav1.OwnerReference{s.ownerRef()}
		}
		claims = append(claims, c)
	}
	return claims
}
