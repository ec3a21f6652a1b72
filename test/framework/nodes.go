package framework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// LostAnnotation is the annotation that, set to "true" on a Node of the local
// cluster, loses the node: its kubelet stops reporting and serving, so the
// node lifecycle controller marks it NotReady and taints it unreachable, exec
// into its pods fails, and the simulators on it stop answering. Removing it
// brings the node back. It is test/simhost's LostAnnotation; see
// doc/design/local-cluster.md.
const LostAnnotation = "local.vitess-operator.io/lost"

// OutOfServiceTaint is the taint a person adds to a node confirmed shut
// down; the pod garbage collector then force-deletes the terminating pods of
// the node once it is NotReady.
var OutOfServiceTaint = corev1.Taint{
	Key:    corev1.TaintNodeOutOfService,
	Value:  "nodeshutdown",
	Effect: corev1.TaintEffectNoExecute,
}

var nodeGVR = corev1.SchemeGroupVersion.WithResource("nodes")

// LoseNode annotates node name lost.
func (c *Cluster) LoseNode(ctx context.Context, name string) error {
	return c.annotateNode(ctx, name, "true")
}

// RestoreNode removes the lost annotation of node name, which brings it back.
func (c *Cluster) RestoreNode(ctx context.Context, name string) error {
	return c.annotateNode(ctx, name, nil)
}

func (c *Cluster) annotateNode(ctx context.Context, name string, value any) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{"annotations": map[string]any{LostAnnotation: value}},
	})
	if err != nil {
		return err
	}
	if _, err := c.Kube.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("annotating node %s: %w", name, err)
	}
	return nil
}

// NodeReadyStatus is the status of the node's Ready condition, "" when it
// has none.
func NodeReadyStatus(node *corev1.Node) corev1.ConditionStatus {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status
		}
	}
	return ""
}

// HasTaint says whether node carries a taint with key and effect.
func HasTaint(node *corev1.Node, key string, effect corev1.TaintEffect) bool {
	return slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool {
		return t.Key == key && t.Effect == effect
	})
}

// NodeUnreachable holds once the node lifecycle controller has found the
// node's kubelet gone: Ready is Unknown and the node is tainted unreachable
// with NoExecute, which starts the eviction of its pods.
func NodeUnreachable(node *corev1.Node) bool {
	return node != nil && NodeReadyStatus(node) == corev1.ConditionUnknown &&
		HasTaint(node, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
}

// NodeHealthy holds once the node is Ready and carries no unreachable or
// not-ready taint.
func NodeHealthy(node *corev1.Node) bool {
	if node == nil || NodeReadyStatus(node) != corev1.ConditionTrue {
		return false
	}
	return !slices.ContainsFunc(node.Spec.Taints, func(t corev1.Taint) bool {
		return t.Key == corev1.TaintNodeUnreachable || t.Key == corev1.TaintNodeNotReady
	})
}

// WaitForNode watches node name until cond holds and returns that version;
// cond gets nil while the node does not exist.
func (c *Cluster) WaitForNode(ctx context.Context, name string, cond func(*corev1.Node) bool) (*corev1.Node, error) {
	return WaitForTyped(ctx, c, nodeGVR, "", name, func(n *corev1.Node) (bool, error) { return cond(n), nil })
}

// SimRoot is the data root of the simulation host (SIM_ROOT of every exec).
func (c *Cluster) SimRoot() string {
	return filepath.Join(c.ClusterRoot, "_output", "simdata")
}

// LostMarker is the path of the marker the simulation host keeps beside the
// registry entry of pod ns/name while the pod's node is lost.
func (c *Cluster) LostMarker(ns, name string) string {
	return filepath.Join(c.SimRoot(), "registry", ns, name) + ".lost"
}

// WaitForFile polls until path exists (present) or does not, or ctx ends.
func WaitForFile(ctx context.Context, path string, present bool) error {
	err := wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(context.Context) (bool, error) {
		_, err := os.Stat(path)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, err
		}
		return (err == nil) == present, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for %s to be present=%t: %w", path, present, err)
	}
	return nil
}

// QuietestNode returns the schedulable node that fewest pods are bound to,
// so a test that loses it disturbs as little else as it can.
func (c *Cluster) QuietestNode(ctx context.Context) (string, error) {
	nodes, err := c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("listing nodes: %w", err)
	}
	pods, err := c.Kube.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("listing pods: %w", err)
	}
	count := map[string]int{}
	for _, p := range pods.Items {
		count[p.Spec.NodeName]++
	}
	best := ""
	for _, n := range nodes.Items {
		if n.Spec.Unschedulable || !NodeHealthy(&n) {
			continue
		}
		if best == "" || count[n.Name] < count[best] {
			best = n.Name
		}
	}
	if best == "" {
		return "", errors.New("no healthy schedulable node")
	}
	return best, nil
}

// SetOutOfService adds (on) or removes OutOfServiceTaint on node name.
func (c *Cluster) SetOutOfService(ctx context.Context, name string, on bool) error {
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := c.Kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		has := HasTaint(node, OutOfServiceTaint.Key, OutOfServiceTaint.Effect)
		if has == on {
			return nil
		}
		if on {
			node.Spec.Taints = append(node.Spec.Taints, OutOfServiceTaint)
		} else {
			node.Spec.Taints = slices.DeleteFunc(node.Spec.Taints, func(t corev1.Taint) bool {
				return t.Key == OutOfServiceTaint.Key && t.Effect == OutOfServiceTaint.Effect
			})
		}
		_, err = c.Kube.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("setting out-of-service=%t on node %s: %w", on, name, err)
	}
	return nil
}

// DeleteNode deletes node name and returns it as it was, for RecreateNode.
func (c *Cluster) DeleteNode(ctx context.Context, name string) (*corev1.Node, error) {
	node, err := c.Kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("getting node %s: %w", name, err)
	}
	err = c.Kube.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &node.UID},
	})
	if err != nil {
		return nil, fmt.Errorf("deleting node %s: %w", name, err)
	}
	return node, nil
}

// RecreateNode registers a node deleted by DeleteNode again, as its kubelet
// would: same name, labels, annotations (but not lost) and capacity, no
// taints, and a status for kwok to fill in.
func (c *Cluster) RecreateNode(ctx context.Context, old *corev1.Node) error {
	annotations := map[string]string{}
	for k, v := range old.Annotations {
		if k != LostAnnotation {
			annotations[k] = v
		}
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: old.Name, Labels: old.Labels, Annotations: annotations},
		Status: corev1.NodeStatus{
			Allocatable: old.Status.Allocatable,
			Capacity:    old.Status.Capacity,
			NodeInfo:    corev1.NodeSystemInfo{Architecture: old.Status.NodeInfo.Architecture, OperatingSystem: old.Status.NodeInfo.OperatingSystem, KubeletVersion: "fake"},
		},
	}
	_, err := c.Kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("recreating node %s: %w", old.Name, err)
	}
	return nil
}
