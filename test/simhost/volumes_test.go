package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// TestSecretVolumesAreWrittenAsTheKubeletDoes proves a pod's Secret volume
// becomes a directory of its keys, readable by this host's user only,
// mapped by volume name; a Secret that does not exist keeps the pod waiting;
// and the directory goes with the pod.
func TestSecretVolumesAreWrittenAsTheKubeletDoes(t *testing.T) {
	root := t.TempDir()
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "creds", Namespace: "ns"},
		Data: map[string][]byte{"init_db.sql": []byte("CREATE USER x;"), "db_credentials.json": []byte(`{"vt_repl":["p"]}`)}}
	h := &host{root: root, kube: fake.NewClientset(secret)}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "00000000-0000-0000-0000-000000000001"},
		Spec: corev1.PodSpec{Volumes: []corev1.Volume{
			{Name: "mysql-credentials", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds"}}},
			{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		}}}
	dirs, err := h.volumeDirs(context.Background(), pod)
	require.NoError(t, err)
	dir := dirs["mysql-credentials"]
	assert.Equal(t, secretVolumeDir(root, pod, "mysql-credentials"), dir)
	assert.NotContains(t, dirs, "tmp", "an emptyDir is not simulated")
	data, err := os.ReadFile(filepath.Join(dir, "db_credentials.json"))
	require.NoError(t, err)
	assert.Equal(t, `{"vt_repl":["p"]}`, string(data))
	info, err := os.Stat(filepath.Join(dir, "init_db.sql"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	missing := pod.DeepCopy()
	missing.Spec.Volumes[0].Secret.SecretName = "absent"
	_, err = h.volumeDirs(context.Background(), missing)
	assert.ErrorContains(t, err, "waiting for Secret absent")

	require.NoError(t, h.removePodDirs("ns", "p", ""))
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "the pod's Secrets go with it")
}
