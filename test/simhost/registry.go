package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// A pod's registry entry is how the simulated processes of its peers find
// it: a link to its working directory with its UID and environment beside
// it, and a lost marker while its node is lost. A deleted pod leaves the
// registry, and is marked stopped for kwok, only once nothing of it can be
// reached.

// goneWhileLost says whether pod, marked lost and now on a node that is back,
// was deleted from the API server while its node was away, and if so unlinks
// it. The pod informer may not have shown the deletion yet when the node's
// return arrives; exposing the pod then would let clients reach, under its
// name, a process that no longer has one: on a real cluster the pod's DNS
// record and endpoints go with the pod object, so a force-deleted pod's
// processes on a returning node are reachable by no name, and its kubelet
// kills them once it syncs. So ask the API server, as syncNode does for the
// Lease.
func (h *host) goneWhileLost(ctx context.Context, pod *corev1.Pod, marker string) (bool, error) {
	if _, err := os.Stat(marker); err != nil {
		return false, nil
	}
	live, err := h.kube.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("reading pod %s/%s before exposing it again: %w", pod.Namespace, pod.Name, err)
	}
	if err == nil && live.UID == pod.UID && live.DeletionTimestamp == nil {
		return false, nil
	}
	h.log.WithField("pod", pod.Namespace+"/"+pod.Name).Info("pod deleted while its node was lost; not exposed again")
	return true, h.unlink(pod.Namespace, pod.Name)
}

// StoppedAnnotation marks a deleted pod whose simulated processes can no
// longer reach anyone; kwok's pod-delete Stage (hack/local/stages.yaml)
// removes only pods that carry it.
const StoppedAnnotation = "local.vitess-operator.io/stopped"

// markStopped annotates a deleted pod as stopped, once.
func (h *host) markStopped(ctx context.Context, pod *corev1.Pod) error {
	if pod.Annotations[StoppedAnnotation] == "true" {
		return nil
	}
	// The UID in the patch makes it a precondition: the informer may still
	// show a pod that is gone while another of the same name was created,
	// and the new pod must not be marked.
	patch := []byte(`{"metadata":{"uid":"` + string(pod.UID) + `","annotations":{"` + StoppedAnnotation + `":"true"}}}`)
	_, err := h.kube.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) {
		return nil // gone, or another pod now holds the name
	}
	if err != nil {
		return fmt.Errorf("marking pod %s/%s stopped: %w", pod.Namespace, pod.Name, err)
	}
	return nil
}

// link points the registry entry of pod at its working directory.
func (h *host) link(pod *corev1.Pod, workDir string, claims map[string]string) error {
	path := registryLink(h.root, pod)
	if target, err := os.Readlink(path); err == nil && target == workDir {
		if uid, err := os.ReadFile(path + ".uid"); err == nil && string(uid) == string(pod.UID) {
			if _, err := os.Stat(path + ".env.json"); err == nil {
				return nil
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// The UID and environment files go first, so a peer that finds the link
	// also finds which pod holds it now and what it is.
	if err := os.WriteFile(path+".uid", []byte(pod.UID), 0o644); err != nil {
		return err
	}
	env, err := json.Marshal(literalEnv(pod, claims))
	if err != nil {
		return err
	}
	if err := os.WriteFile(path+".env.json", env, 0o644); err != nil {
		return err
	}
	tmp := path + ".tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(workDir, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// unlink removes the registry entry of pod ns/name, its lost marker last.
func (h *host) unlink(ns, name string) error {
	path := filepath.Join(h.root, "registry", ns, name)
	for _, p := range []string{path, path + ".uid", path + ".env.json", path + LostMarkerSuffix} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
