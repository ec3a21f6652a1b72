package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// switchoverWait is how long switchover waits for the operator to move the role.
const switchoverWait = 3 * time.Minute

// findShard finds a VitessShard by object name or by KEYSPACE/SHARD.
func (c *client) findShard(ctx context.Context, name string) (*v1alpha1.VitessShard, error) {
	if s, err := c.vitess.VitessV1alpha1().VitessShards(c.namespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
		return s, nil
	}
	ks, shard, ok := strings.Cut(name, "/")
	if !ok {
		return nil, fmt.Errorf("no VitessShard %s in namespace %s (name a shard object or KEYSPACE/SHARD)", name, c.namespace)
	}
	list, err := c.vitess.VitessV1alpha1().VitessShards(c.namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing shards: %w", err)
	}
	var found []*v1alpha1.VitessShard
	for i := range list.Items {
		if s := &list.Items[i]; s.Spec.Keyspace == ks && s.Spec.Name == shard {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("no shard %s in namespace %s", name, c.namespace)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("shard %s exists in %d clusters of namespace %s: name the VitessShard object", name, len(found), c.namespace)
}

// switchover asks the operator for a planned switchover of shard to
// target (a ready master-eligible replica when empty), by the shard's
// vitess.io/primary annotation, and waits until the shard reports it.
func (c *client) switchover(ctx context.Context, name, target string, out io.Writer) error {
	s, err := c.findShard(ctx, name)
	if err != nil {
		return err
	}
	pods, err := c.kube.CoreV1().Pods(c.namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(map[string]string{vitess.LabelCluster: s.Spec.Cluster, vitess.LabelKeyspace: s.Spec.Keyspace}).String()})
	if err != nil {
		return fmt.Errorf("listing tablet pods: %w", err)
	}
	pod, err := switchoverTarget(s, tabletsOf(s, pods.Items), target)
	if err != nil {
		return err
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": map[string]string{vitess.AnnotationPrimary: pod}}})
	if _, err := c.vitess.VitessV1alpha1().VitessShards(c.namespace).Patch(ctx, s.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("asking for the switchover: %w", err)
	}
	fmt.Fprintf(out, "asked %s/%s to move its primary to %s\n", s.Spec.Keyspace, s.Spec.Name, pod)
	err = wait.PollUntilContextTimeout(ctx, time.Second, switchoverWait, true, func(ctx context.Context) (bool, error) {
		cur, err := c.vitess.VitessV1alpha1().VitessShards(c.namespace).Get(ctx, s.Name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		p := cur.Status.Members.Primary
		return len(p) == 1 && p[0] == pod, nil
	})
	if err != nil {
		return fmt.Errorf("%s is not the primary after %s; kubectl describe vts %s says why: %w", pod, switchoverWait, s.Name, err)
	}
	fmt.Fprintf(out, "%s is the primary of %s/%s\n", pod, s.Spec.Keyspace, s.Spec.Name)
	return nil
}

// setPaused pauses or resumes a cluster.
func (c *client) setPaused(ctx context.Context, cluster string, paused bool, out io.Writer) error {
	patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"paused": paused}})
	if _, err := c.vitess.VitessV1alpha1().VitessClusters(c.namespace).Patch(ctx, cluster, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("setting spec.paused of %s: %w", cluster, err)
	}
	fmt.Fprintf(out, "VitessCluster %s %s\n", cluster, map[bool]string{true: "paused: the operator takes no action on it", false: "resumed"}[paused])
	return nil
}

// vtctldclient runs vtctldclient in a running vtctld pod of the cluster,
// as the operator does, and passes on its output and exit code.
func (c *client) vtctldclient(ctx context.Context, cluster string, args []string, stdout, stderr io.Writer) (int, error) {
	if cluster == "" {
		var err error
		if cluster, err = c.onlyCluster(ctx); err != nil {
			return 1, err
		}
	}
	pod, err := c.vtctldPod(ctx, cluster)
	if err != nil {
		return 1, err
	}
	argv := dataplane.VtctldclientArgs(vitess.VtctldAddress(cluster, c.namespace), args[0], args[1:]...)
	res, err := c.exec.Exec(ctx, dataplane.Target{Namespace: c.namespace, Pod: pod, Container: dataplane.VtctldContainer}, argv)
	if err != nil {
		return 1, err
	}
	fmt.Fprint(stdout, res.Stdout)
	fmt.Fprint(stderr, res.Stderr)
	return res.ExitCode, nil
}

// vtctldPod is a running vtctld pod of the cluster, where vtctldclient
// runs as the operator runs it.
func (c *client) vtctldPod(ctx context.Context, cluster string) (string, error) {
	pods, err := c.kube.CoreV1().Pods(c.namespace).List(ctx, metav1.ListOptions{
		LabelSelector: labels.SelectorFromSet(map[string]string{vitess.LabelCluster: cluster, vitess.LabelComponent: dataplane.VtctldContainer}).String()})
	if err != nil {
		return "", fmt.Errorf("listing vtctld pods: %w", err)
	}
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			return p.Name, nil
		}
	}
	return "", fmt.Errorf("cluster %s has no running vtctld pod", cluster)
}

// onlyCluster is the namespace's one VitessCluster.
func (c *client) onlyCluster(ctx context.Context) (string, error) {
	list, err := c.vitess.VitessV1alpha1().VitessClusters(c.namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("listing clusters: %w", err)
	}
	if len(list.Items) != 1 {
		return "", fmt.Errorf("namespace %s has %d VitessClusters: name one", c.namespace, len(list.Items))
	}
	return list.Items[0].Name, nil
}
