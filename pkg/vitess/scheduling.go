package vitess

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// spreadOver prefers nodes that run no other pod with labels, so one node
// going down takes one member.
func spreadOver(labels map[string]string) *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				LabelSelector: &metav1.LabelSelector{MatchLabels: labels},
				TopologyKey:   corev1.LabelHostname,
			},
		}},
	}}
}

// lostNodeTolerationSeconds is how long a vtctld or vtgate pod stays bound to
// a node that stopped reporting before the taint manager evicts it, so that
// its Deployment replaces it elsewhere. Kubernetes' default is 300 s; these
// servers keep no state, so a shorter wait only costs a restart.
const lostNodeTolerationSeconds = 30

// lostNodeTolerations tolerate an unreachable or not-ready node for
// lostNodeTolerationSeconds.
func lostNodeTolerations() []corev1.Toleration {
	secs := int64(lostNodeTolerationSeconds)
	var out []corev1.Toleration
	for _, key := range []string{corev1.TaintNodeUnreachable, corev1.TaintNodeNotReady} {
		out = append(out, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs})
	}
	return out
}
