package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Losing a node. A person or a test annotates a Node LostAnnotation=true; kwok's
// node-lost stage (hack/local/stages.yaml) then stops the node's heartbeats by
// taking its Lease, leaves its pods alone and points its kubelet endpoint where
// nothing listens, so the node lifecycle controller marks it Unknown and exec
// into its pods fails. This host does the rest: it marks every pod bound to the
// node lost in the registry, so simulators stop answering for it, and once the
// annotation goes it gives the Lease back to kwok, which reports the node Ready
// again.
const (
	// LostAnnotation, set to "true" on a Node, makes the local cluster treat
	// the node as lost: its kubelet stops reporting and serving, and the
	// processes of its pods stop answering. Removing it brings the node back.
	LostAnnotation = "local.vitess-operator.io/lost"
	// LostLeaseHolder is the holder identity kwok's node-lost stage writes into
	// the Lease of a lost node, with a lease duration of ten years, so that
	// kwok neither renews the Lease nor takes it back by itself.
	LostLeaseHolder = "local.vitess-operator.io/lost"
	// LostMarkerSuffix names the marker file of a pod whose node is lost,
	// <SIM_ROOT>/registry/<namespace>/<pod>.lost, beside the pod's registry link.
	//
	// The contract: the marker exists while the pod holding the registry
	// entry is bound to a node that is annotated lost or no longer exists (the
	// host follows a change within milliseconds). While it exists, simulators treat the pod as unreachable: they
	// neither answer for it nor reach it as a peer, although its link, .uid,
	// .env.json and data stay where they are. The host writes it before the
	// pod's link when the pod is registered on a lost node, and removes it with
	// the registry entry when the pod goes (or starts terminating) and when the
	// node comes back. Its content is the node's name and a newline, for
	// people; only its existence counts. It is written through <pod>.lost.tmp
	// and a rename, so it never exists half-written.
	LostMarkerSuffix = ".lost"
)

// nodeIndex indexes pods by the node they are bound to.
const nodeIndex = "spec.nodeName"

// nodeLost says whether node is annotated lost.
func nodeLost(node *corev1.Node) bool {
	return node != nil && node.Annotations[LostAnnotation] == "true"
}

// podOnLostNode says whether pod is bound to a lost node: one annotated lost,
// or one that no longer exists (found false), whose kubelet nobody reaches
// either. An unscheduled pod is on no node and not lost.
func podOnLostNode(pod *corev1.Pod, node *corev1.Node, found bool) bool {
	if pod.Spec.NodeName == "" {
		return false
	}
	return !found || nodeLost(node)
}

// leaseTakenForLoss says whether lease is a node Lease that kwok's node-lost
// stage took, and so one this host gives back once the node is not lost.
func leaseTakenForLoss(lease *coordinationv1.Lease) bool {
	return lease != nil && lease.Spec.HolderIdentity != nil && *lease.Spec.HolderIdentity == LostLeaseHolder
}

// lostMarker is the path of the lost marker of pod ns/name under root.
func lostMarker(root, ns, name string) string {
	return filepath.Join(root, "registry", ns, name) + LostMarkerSuffix
}

// writeLostMarker makes the marker at path, holding node's name, unless it
// exists already.
func writeLostMarker(path, node string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("making the directory of %s: %w", path, err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(node+"\n"), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("renaming %s: %w", tmp, err)
	}
	return nil
}

// removeLostMarker removes the marker at path, if any.
func removeLostMarker(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}

// podNodeKey indexes a pod by its node.
func podNodeKey(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return nil, nil
	}
	return []string{pod.Spec.NodeName}, nil
}

// leaseNodeKey maps a node Lease the node-lost stage took to its node, which
// may need it back; every other Lease, renewed every few seconds, is of no
// interest.
func leaseNodeKey(obj any) (string, string, bool) {
	lease, ok := obj.(*coordinationv1.Lease)
	if !ok || lease.Namespace != corev1.NamespaceNodeLease || !leaseTakenForLoss(lease) {
		return "", "", false
	}
	return "", lease.Name, true
}

// nodeChanged says whether a node update matters here: its lost annotation
// changed, or it is a resync.
func nodeChanged(oldObj, newObj any) bool {
	o, ok1 := oldObj.(*corev1.Node)
	n, ok2 := newObj.(*corev1.Node)
	if !ok1 || !ok2 {
		return true
	}
	return nodeLost(o) != nodeLost(n) || o.ResourceVersion == n.ResourceVersion
}

// podLost says whether pod is bound to a lost node.
func (h *host) podLost(pod *corev1.Pod) (bool, error) {
	if pod.Spec.NodeName == "" {
		return false, nil
	}
	node, err := h.nodes.Get(pod.Spec.NodeName)
	if apierrors.IsNotFound(err) {
		return podOnLostNode(pod, nil, false), nil
	} else if err != nil {
		return false, err
	}
	return podOnLostNode(pod, node, true), nil
}

// syncNode brings the pods bound to node name in line with it, and gives
// kwok back the Lease of a node that is no longer lost.
func (h *host) syncNode(ctx context.Context, name string) error {
	pods, err := h.podIndex.ByIndex(nodeIndex, name)
	if err != nil {
		return err
	}
	for _, obj := range pods {
		if ns, pod, ok := objectKey(obj); ok {
			h.queue.Add(item{"pod", ns, pod})
		}
	}
	node, err := h.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if nodeLost(node) {
		return nil
	}
	lease, err := h.leases.Leases(corev1.NamespaceNodeLease).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if !leaseTakenForLoss(lease) {
		return h.reinitialize(ctx, node)
	}
	// The node and Lease informers are not ordered with each other: the
	// node-lost stage's Lease can arrive here before the annotation that
	// caused it. Giving that Lease back would hand a lost node to kwok, which
	// then finishes every deletion on it, so ask the API server first.
	live, err := h.kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	} else if err != nil {
		return fmt.Errorf("reading node %s before giving its lease back: %w", name, err)
	}
	if nodeLost(live) {
		return nil
	}
	// kwok makes a new Lease for a node it manages that has none, and then
	// plays the node's stages again: node-initialize reports it Ready.
	err = h.kube.CoordinationV1().Leases(lease.Namespace).Delete(ctx, lease.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &lease.UID, ResourceVersion: &lease.ResourceVersion},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("giving back the lease of node %s: %w", name, err)
	}
	h.log.WithField("node", name).Info("node no longer lost; lease given back to kwok")
	return h.reinitialize(ctx, live)
}

// reinitialize has kwok report a node back from a loss afresh. kwok's
// node-initialize stage, which restores the kubelet endpoint the node-lost
// stage pointed at port 1, plays only for a node that is not Ready; a loss
// too short for the node lifecycle controller to mark the node (or one
// while that controller was down) leaves it Ready, and exec into its pods
// would fail for good. Marking its Ready condition Unknown, as the
// controller would have, makes kwok play the stage.
func (h *host) reinitialize(ctx context.Context, node *corev1.Node) error {
	if node.Status.DaemonEndpoints.KubeletEndpoint.Port != 1 {
		return nil
	}
	next := node.DeepCopy()
	for i, c := range next.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			next.Status.Conditions[i].Status = corev1.ConditionUnknown
			next.Status.Conditions[i].Reason = "NodeStatusUnknown"
			next.Status.Conditions[i].Message = "back from a simulated loss; kwok reports it afresh"
			next.Status.Conditions[i].LastTransitionTime = metav1.Now()
		}
	}
	if _, err := h.kube.CoreV1().Nodes().UpdateStatus(ctx, next, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("reporting node %s afresh: %w", node.Name, err)
	}
	return nil
}
