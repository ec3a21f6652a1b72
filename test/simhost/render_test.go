package main

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const root = "/var/lib/simhost"

// claim returns the claim vt/data-db-0, changed by mutate when not nil.
func claim(mutate func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{
		Namespace: "vt", Name: "data-db-0", UID: "11111111-2222-3333-4444-555555555555",
	}}
	if mutate != nil {
		mutate(pvc)
	}
	return pvc
}

// TestVolumeFor proves the PersistentVolume rendered for a claim: its size,
// access modes, class and mode follow the claim with defaults of 1Gi, RWO and
// "", and it is pre-bound to the claim, retained, labelled, and backed by a
// directory under root keyed by the claim's UID.
func TestVolumeFor(t *testing.T) {
	fast := "fast"
	block := corev1.PersistentVolumeBlock
	tests := []struct {
		name      string
		pvc       *corev1.PersistentVolumeClaim
		wantSize  string
		wantModes []corev1.PersistentVolumeAccessMode
		wantClass string
		wantMode  *corev1.PersistentVolumeMode
	}{
		{"defaults", claim(nil), "1Gi", []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, "", nil},
		{"from the claim", claim(func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}
			c.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadOnlyMany}
			c.Spec.StorageClassName = &fast
			c.Spec.VolumeMode = &block
		}), "5Gi", []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOncePod, corev1.ReadOnlyMany}, "fast", &block},
		{"requests without storage", claim(func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}
		}), "1Gi", []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, "", nil},
		{"empty storage class", claim(func(c *corev1.PersistentVolumeClaim) {
			empty := ""
			c.Spec.StorageClassName = &empty
		}), "1Gi", []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pv := volumeFor(root, tc.pvc)
			assert.Equal(t, "sim-"+string(tc.pvc.UID), pv.Name)
			assert.Equal(t, map[string]string{managedLabel: "true"}, pv.Labels)
			size := pv.Spec.Capacity[corev1.ResourceStorage]
			assert.Zero(t, size.Cmp(resource.MustParse(tc.wantSize)), "size %s", size.String())
			assert.Len(t, pv.Spec.Capacity, 1)
			assert.Equal(t, tc.wantModes, pv.Spec.AccessModes)
			assert.Equal(t, tc.wantClass, pv.Spec.StorageClassName)
			assert.Equal(t, tc.wantMode, pv.Spec.VolumeMode)
			assert.Equal(t, corev1.PersistentVolumeReclaimRetain, pv.Spec.PersistentVolumeReclaimPolicy)
			assert.Equal(t, &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: "vt", Name: "data-db-0", UID: tc.pvc.UID,
			}, pv.Spec.ClaimRef)
			require.NotNil(t, pv.Spec.HostPath)
			assert.Equal(t, filepath.Join(root, "claims", "vt", "data-db-0-"+string(tc.pvc.UID)), pv.Spec.HostPath.Path)
			require.NotNil(t, pv.Spec.HostPath.Type)
			assert.Equal(t, corev1.HostPathDirectoryOrCreate, *pv.Spec.HostPath.Type)
		})
	}
}

// TestClaimAndPodDirs proves that directories are under root, per namespace,
// and keyed by UID so an object made again gets a fresh one.
func TestClaimAndPodDirs(t *testing.T) {
	pvc := claim(nil)
	assert.Equal(t, "/var/lib/simhost/claims/vt/data-db-0-11111111-2222-3333-4444-555555555555", claimDir(root, pvc))
	again := claim(func(c *corev1.PersistentVolumeClaim) { c.UID = "66666666-2222-3333-4444-555555555555" })
	assert.NotEqual(t, claimDir(root, pvc), claimDir(root, again))

	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "vt", Name: "vtgate-0", UID: "aaaa"}}
	assert.Equal(t, "/var/lib/simhost/pods/vt/vtgate-0-aaaa", podDir(root, pod))
	other := pod.DeepCopy()
	other.UID = "bbbb"
	assert.NotEqual(t, podDir(root, pod), podDir(root, other))
}

// TestDataClaimName proves that a pod works in its first claim volume, and
// in none when it has no claim volume.
func TestDataClaimName(t *testing.T) {
	pvcVol := func(name, claim string) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
	}
	emptyDir := corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
	tests := []struct {
		name    string
		volumes []corev1.Volume
		want    string
	}{
		{"no volumes", nil, ""},
		{"no claim volume", []corev1.Volume{emptyDir}, ""},
		{"one claim", []corev1.Volume{pvcVol("data", "data-db-0")}, "data-db-0"},
		{"first of two claims after another volume", []corev1.Volume{emptyDir, pvcVol("data", "data-db-0"),
			pvcVol("logs", "logs-db-0")}, "data-db-0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Volumes: tc.volumes}}
			assert.Equal(t, tc.want, dataClaimName(pod))
		})
	}
}

// execPod has two containers, one with a literal env value, an env var from
// a Secret and one from the downward API.
func execPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "vt", Name: "db-0", UID: "pod-uid-1"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "mysqld", Env: []corev1.EnvVar{
				{Name: "MYSQL_PORT", Value: "3306"},
				{Name: "MYSQL_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "db-secret-name"}, Key: "password-key"}}},
				{Name: "NODE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
				{Name: "EMPTY"},
			}},
			{Name: "exporter"},
		}},
	}
}

// execTarget returns the containers, work directory and envs (name→value)
// of target i of an Exec, failing on a duplicate env name.
func execTarget(t *testing.T, obj *unstructured.Unstructured, i int) (containers []any, workDir string, env map[string]string) {
	t.Helper()
	execs, found, err := unstructured.NestedSlice(obj.Object, "spec", "execs")
	require.NoError(t, err)
	require.True(t, found)
	target := execs[i].(map[string]any)
	containers = target["containers"].([]any)
	local := target["local"].(map[string]any)
	workDir = local["workDir"].(string)
	env = map[string]string{}
	for _, e := range local["envs"].([]any) {
		m := e.(map[string]any)
		name := m["name"].(string)
		_, dup := env[name]
		require.False(t, dup, "env %s twice", name)
		env[name] = m["value"].(string)
	}
	return containers, workDir, env
}

// TestExecFor proves the kwok Exec rendered for a pod: named and owned like
// the pod, one target per container, each with the pod's identity, the
// container's name, the work directory and its literal env values only.
func TestExecFor(t *testing.T) {
	pod := execPod()
	obj := execFor("/root", pod, "/work/dir", nil)
	assert.Equal(t, "kwok.x-k8s.io/v1alpha1", obj.GetAPIVersion())
	assert.Equal(t, "Exec", obj.GetKind())
	assert.Equal(t, "vt", obj.GetNamespace())
	assert.Equal(t, "db-0", obj.GetName())
	assert.Equal(t, []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "db-0", UID: "pod-uid-1"}},
		obj.GetOwnerReferences())

	execs, _, err := unstructured.NestedSlice(obj.Object, "spec", "execs")
	require.NoError(t, err)
	require.Len(t, execs, 2)

	containers, workDir, env := execTarget(t, obj, 0)
	assert.Equal(t, []any{"mysqld"}, containers)
	assert.Equal(t, "/work/dir", workDir)
	assert.Equal(t, map[string]string{
		EnvPodName: "db-0", EnvPodNamespace: "vt", EnvPodUID: "pod-uid-1", EnvContainer: "mysqld", EnvDataDir: "/work/dir", EnvSimRoot: "/root",
		EnvArgs: argsOf(pod.Spec.Containers[0]), EnvMounts: "{}", "MYSQL_PORT": "3306", "EMPTY": "",
	}, env)

	containers, workDir, env = execTarget(t, obj, 1)
	assert.Equal(t, []any{"exporter"}, containers)
	assert.Equal(t, "/work/dir", workDir)
	assert.Equal(t, map[string]string{
		EnvPodName: "db-0", EnvPodNamespace: "vt", EnvPodUID: "pod-uid-1", EnvContainer: "exporter", EnvDataDir: "/work/dir", EnvSimRoot: "/root",
		EnvArgs: argsOf(pod.Spec.Containers[1]), EnvMounts: "{}",
	}, env)
}

// TestMountsOfMapsClaimMountsToTheirDirectories proves a container learns
// where each claim it mounts lives on the host, and nothing of the others.
func TestMountsOfMapsClaimMountsToTheirDirectories(t *testing.T) {
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		Volumes: []corev1.Volume{
			{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "vtdataroot-a"}}},
			{Name: "backup", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "c-backup"}}},
			{Name: "socket", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		},
		Containers: []corev1.Container{{Name: "vttablet", Command: []string{"/vt/bin/vttablet"}, Args: []string{"--a=b"},
			VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/vt/vtdataroot"}, {Name: "backup", MountPath: "/vt/backups"},
				{Name: "socket", MountPath: "/vt/socket"}}}},
	}}
	claims := map[string]string{"data": "/sim/claims/a", "backup": "/sim/claims/b"}
	assert.JSONEq(t, `{"/vt/vtdataroot":"/sim/claims/a","/vt/backups":"/sim/claims/b"}`, mountsOf(pod.Spec.Containers[0], claims))
	assert.JSONEq(t, `["/vt/bin/vttablet","--a=b"]`, argsOf(pod.Spec.Containers[0]))
	env := literalEnv(pod, claims)
	assert.JSONEq(t, `["/vt/bin/vttablet","--a=b"]`, env[EnvArgs+"_vttablet"])
}

// TestExecForNeverLeaksValueFrom proves that nothing of an env var with
// valueFrom, not even its name or the Secret it names, reaches the Exec.
func TestExecForNeverLeaksValueFrom(t *testing.T) {
	raw, err := json.Marshal(execFor("/root", execPod(), "/w", nil).Object)
	require.NoError(t, err)
	for _, s := range []string{"MYSQL_PASSWORD", "db-secret-name", "password-key", "NODE", "spec.nodeName"} {
		assert.NotContains(t, string(raw), s)
	}
}

// TestExecForIsPlainJSON proves that the Exec holds only JSON-compatible
// values, so it can be deep-copied (as informers and clients do) and
// survives an encode/decode round trip unchanged, which applyExec relies on
// to compare it with the stored one.
func TestExecForIsPlainJSON(t *testing.T) {
	obj := execFor("/root", execPod(), "/w", nil)
	var cp *unstructured.Unstructured
	require.NotPanics(t, func() { cp = obj.DeepCopy() })
	assert.Equal(t, obj, cp)

	raw, err := obj.MarshalJSON()
	require.NoError(t, err)
	back := &unstructured.Unstructured{}
	require.NoError(t, back.UnmarshalJSON(raw))
	assert.Equal(t, obj.Object["spec"], back.Object["spec"])
}

// TestExecForNoContainers proves that a pod without containers gets an Exec
// with an empty target list rather than a null one.
func TestExecForNoContainers(t *testing.T) {
	obj := execFor("/root", &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "vt", Name: "p"}}, "/w", nil)
	execs, found, err := unstructured.NestedSlice(obj.Object, "spec", "execs")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Empty(t, execs)
}
