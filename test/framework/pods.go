package framework

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// SetSelector is the label selector of the member pods of a replicated set:
// kind is the set's kind label value (rss.Kind, vitess.ShardKind) and name
// the set's name.
func SetSelector(kind, name string) string {
	return metav1.FormatLabelSelector(&metav1.LabelSelector{MatchLabels: replication.SetLabels(kind, name)})
}

// SetPods returns the member pods of the set of kind and name in namespace,
// by pod name: the pods that carry the set's labels, whatever their state.
func (c *Cluster) SetPods(ctx context.Context, namespace, kind, name string) (map[string]corev1.Pod, error) {
	pods, err := c.Kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: SetSelector(kind, name)})
	if err != nil {
		return nil, fmt.Errorf("listing the pods of %s %s/%s: %w", kind, namespace, name, err)
	}
	out := make(map[string]corev1.Pod, len(pods.Items))
	for _, p := range pods.Items {
		out[p.Name] = p
	}
	return out, nil
}
