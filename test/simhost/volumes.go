package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// volumeDirs maps the names of the pod's claim and Secret volumes to their
// directories, writing each Secret's keys as files there, as the kubelet
// does before it starts the containers. A Secret that does not exist yet
// keeps the pod waiting, as it keeps a real pod ContainerCreating.
func (h *host) volumeDirs(ctx context.Context, pod *corev1.Pod) (map[string]string, error) {
	dirs := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			name := v.PersistentVolumeClaim.ClaimName
			pvc, err := h.claims.PersistentVolumeClaims(pod.Namespace).Get(name)
			if err != nil {
				return nil, fmt.Errorf("pod %s/%s: waiting for claim %s: %w", pod.Namespace, pod.Name, name, err)
			}
			dirs[v.Name] = claimDir(h.root, pvc)
			if err := os.MkdirAll(dirs[v.Name], 0o755); err != nil {
				return nil, fmt.Errorf("making the directory of claim %s/%s: %w", pod.Namespace, name, err)
			}
		case v.Secret != nil:
			dir := secretVolumeDir(h.root, pod, v.Name)
			if err := h.writeSecret(ctx, pod.Namespace, v.Secret.SecretName, dir); err != nil {
				return nil, fmt.Errorf("pod %s/%s: volume %s: %w", pod.Namespace, pod.Name, v.Name, err)
			}
			dirs[v.Name] = dir
		}
	}
	return dirs, nil
}

// writeSecret writes the keys of Secret ns/name as files in dir, readable
// by this host's user only.
func (h *host) writeSecret(ctx context.Context, ns, name, dir string) error {
	secret, err := h.kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("waiting for Secret %s: %w", name, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for key, value := range secret.Data {
		if err := os.WriteFile(filepath.Join(dir, key), value, 0o600); err != nil {
			return fmt.Errorf("writing key %s of Secret %s: %w", key, name, err)
		}
	}
	return nil
}

// removePodDirs removes the directories of earlier claimless pods named
// ns/name, all but the one of the pod with UID keep.
func (h *host) removePodDirs(ns, name string, keep types.UID) error {
	// A pod's Secrets go with it, as the kubelet's tmpfs does.
	for _, kind := range []string{"pods", "secrets"} {
		if err := h.removeDirsOf(filepath.Join(h.root, kind, ns), name, keep); err != nil {
			return err
		}
	}
	return nil
}

// removeDirsOf removes the directories <name>-<uid> under parent of every
// UID but keep.
func (h *host) removeDirsOf(parent, name string, keep types.UID) error {
	entries, err := os.ReadDir(parent)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	for _, e := range entries {
		uid, ok := strings.CutPrefix(e.Name(), name+"-")
		// A UID has no dash-free prefix of another pod's name in it: matching
		// its exact length keeps pod "a" from removing the directory of "a-1".
		if !ok || len(uid) != 36 || types.UID(uid) == keep {
			continue
		}
		if err := h.removeData(filepath.Join(parent, e.Name())); err != nil {
			return err
		}
	}
	return nil
}
