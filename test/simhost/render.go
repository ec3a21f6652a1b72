package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Environment variables every simulated exec gets, beside the container's own
// literal env values.
const (
	EnvPodName      = "POD_NAME"
	EnvPodNamespace = "POD_NAMESPACE"
	EnvPodUID       = "POD_UID"
	EnvContainer    = "CONTAINER_NAME"
	EnvDataDir      = "DATA_DIR"
	// EnvSimRoot is the data root, under which registryDir finds every pod's directory.
	EnvSimRoot = "SIM_ROOT"
	// EnvArgs is the container's command line, a JSON array: a simulated
	// process reads its flags there, as the real one reads its argv.
	EnvArgs = "SIM_ARGS"
	// EnvMounts maps the container's claim and Secret mount paths to the
	// directories that simulate them, a JSON object: a simulated vttablet
	// finds its backup store and its credentials file there.
	EnvMounts = "SIM_MOUNTS"
)

// managedLabel marks the PersistentVolumes the simulation host made.
const managedLabel = "sim.vitess-operator.io/managed"

// claimDir is the directory that simulates the volume of a claim. It is keyed
// by the claim's UID, so a claim deleted and made again starts empty.
func claimDir(root string, pvc *corev1.PersistentVolumeClaim) string {
	return filepath.Join(root, "claims", pvc.Namespace, fmt.Sprintf("%s-%s", pvc.Name, pvc.UID))
}

// secretVolumeDir is the directory that simulates a Secret volume of a
// pod: the Secret's keys as files, as the kubelet writes them.
func secretVolumeDir(root string, pod *corev1.Pod, volume string) string {
	return filepath.Join(root, "secrets", pod.Namespace, fmt.Sprintf("%s-%s", pod.Name, pod.UID), volume)
}

// registryLink is where the simulation host links a running pod's working
// directory, so simulators find their peers' data by pod name.
func registryLink(root string, pod *corev1.Pod) string {
	return filepath.Join(root, "registry", pod.Namespace, pod.Name)
}

// podDir is the working directory of a pod that has no claim; it lives as long
// as the pod does.
func podDir(root string, pod *corev1.Pod) string {
	return filepath.Join(root, "pods", pod.Namespace, fmt.Sprintf("%s-%s", pod.Name, pod.UID))
}

// dataClaimName is the claim whose directory a pod works in: the first
// persistentVolumeClaim volume of the pod, or "" when it has none.
func dataClaimName(pod *corev1.Pod) string {
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim != nil {
			return v.PersistentVolumeClaim.ClaimName
		}
	}
	return ""
}

// volumeFor renders the PersistentVolume that satisfies a claim, pre-bound to
// it so the volume controller binds the two without a provisioner.
func volumeFor(root string, pvc *corev1.PersistentVolumeClaim) *corev1.PersistentVolume {
	size := resource.MustParse("1Gi")
	if q, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
		size = q
	}
	modes := append([]corev1.PersistentVolumeAccessMode(nil), pvc.Spec.AccessModes...)
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	class := ""
	if pvc.Spec.StorageClassName != nil {
		class = *pvc.Spec.StorageClassName
	}
	hostPathType := corev1.HostPathDirectoryOrCreate
	return &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:   "sim-" + string(pvc.UID),
			Labels: map[string]string{managedLabel: "true"},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   modes,
			VolumeMode:                    volumeMode(pvc),
			StorageClassName:              class,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			ClaimRef: &corev1.ObjectReference{
				Kind:       "PersistentVolumeClaim",
				APIVersion: "v1",
				Namespace:  pvc.Namespace,
				Name:       pvc.Name,
				UID:        pvc.UID,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: claimDir(root, pvc), Type: &hostPathType},
			},
		},
	}
}

// execFor renders the kwok Exec that makes kubectl exec into the pod run on
// this host in workDir: one target per container, each with the pod's
// identity, the container's name and its literal env values.
func execFor(root string, pod *corev1.Pod, workDir string, claims map[string]string) *unstructured.Unstructured {
	targets := make([]any, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		var envs []any
		for _, e := range containerEnv(root, pod, c, workDir, claims) {
			envs = append(envs, env(e[0], e[1]))
		}
		targets = append(targets, map[string]any{
			"containers": []any{c.Name},
			"local":      map[string]any{"workDir": workDir, "envs": envs},
		})
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1",
		"kind":       "Exec",
		"spec":       map[string]any{"execs": targets},
	}}
	obj.SetNamespace(pod.Namespace)
	obj.SetName(pod.Name)
	obj.SetOwnerReferences([]metav1.OwnerReference{{
		APIVersion: "v1",
		Kind:       "Pod",
		Name:       pod.Name,
		UID:        pod.UID,
	}})
	return obj
}

// containerEnv is the environment a command in container c of pod runs
// with on this host, as name and value pairs: the pod's identity, the
// container's name, its working directory and the data root, and the
// container's literal env values. Only literal values: a value from a
// Secret must not reach an object anyone with read access to Execs can see.
func containerEnv(root string, pod *corev1.Pod, c corev1.Container, workDir string, claims map[string]string) [][2]string {
	out := [][2]string{
		{EnvPodName, pod.Name}, {EnvPodNamespace, pod.Namespace}, {EnvPodUID, string(pod.UID)},
		{EnvContainer, c.Name}, {EnvDataDir, workDir}, {EnvSimRoot, root},
		{EnvArgs, argsOf(c)}, {EnvMounts, mountsOf(c, claims)},
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			out = append(out, [2]string{e.Name, e.Value})
		}
	}
	return out
}

func env(name, value string) map[string]any {
	return map[string]any{"name": name, "value": value}
}

// volumeMode copies the claim's volume mode, so the volume shares nothing
// with the cached claim.
func volumeMode(pvc *corev1.PersistentVolumeClaim) *corev1.PersistentVolumeMode {
	if pvc.Spec.VolumeMode == nil {
		return nil
	}
	m := *pvc.Spec.VolumeMode
	return &m
}

// literalEnv is the literal env values of all the pod's containers, which
// simulators read to learn what a peer is (a tablet's alias, keyspace and
// shard). Values from Secrets are never included.
func literalEnv(pod *corev1.Pod, claims map[string]string) map[string]string {
	env := map[string]string{}
	for _, c := range pod.Spec.Containers {
		env[EnvArgs+"_"+c.Name] = argsOf(c)
		env[EnvMounts+"_"+c.Name] = mountsOf(c, claims)
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				env[e.Name] = e.Value
			}
		}
	}
	return env
}

// argsOf is a container's command and arguments as a JSON array.
func argsOf(c corev1.Container) string {
	data, _ := json.Marshal(append(append([]string{}, c.Command...), c.Args...))
	return string(data)
}

// mountsOf maps a container's mounts of claims and Secrets to their
// directories on this host, as a JSON object; dirs maps volume names to
// directories.
func mountsOf(c corev1.Container, dirs map[string]string) string {
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		if dir := dirs[m.Name]; dir != "" {
			mounts[m.MountPath] = dir
		}
	}
	data, _ := json.Marshal(mounts)
	return string(data)
}
