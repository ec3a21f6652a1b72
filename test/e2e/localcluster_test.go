package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/test/framework"
)

var (
	podGVR = corev1.SchemeGroupVersion.WithResource("pods")
	pvGVR  = corev1.SchemeGroupVersion.WithResource("persistentvolumes")
)

// TestNodesSpanTwoZones checks the fake nodes the local cluster provides.
func TestNodesSpanTwoZones(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	nodes, err := cluster.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	zones := map[string]int{}
	for _, n := range nodes.Items {
		zones[n.Labels[corev1.LabelTopologyZone]]++
	}
	assert.Len(t, zones, 2, "zones: %v", zones)
	for z, n := range zones {
		assert.GreaterOrEqual(t, n, 3, "zone %q", z)
	}
}

// dataPod returns a pod that mounts claim as its data volume.
func dataPod(name, claim string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name:  "app",
				Image: "registry.example/app:1",
				Env:   []corev1.EnvVar{{Name: "GREETING", Value: "hello"}},
			}},
			Volumes: []corev1.Volume{{
				Name:         "data",
				VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}},
			}},
		},
	}
}

func podRunning(ctx context.Context, t *testing.T, ns, name string) *corev1.Pod {
	t.Helper()
	pod, err := framework.WaitForObject(ctx, cluster, ns, name, func(p *corev1.Pod) bool {
		return p.Status.Phase == corev1.PodRunning
	})
	require.NoError(t, err)
	return pod
}

// TestExecRunsInPodDataDirectory checks what every later test relies on:
// a pod's claim gets a bound volume, kubectl exec into the pod runs in the
// claim's directory with the pod's identity in the environment, the data
// outlives the pod, and it is removed with the claim.
func TestExecRunsInPodDataDirectory(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	ns := cluster.NewNamespace(t)
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data-app"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("2Gi")}},
		},
	}
	pvc, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cluster.Kube.CoreV1().Pods(ns).Create(ctx, dataPod("app", pvc.Name), metav1.CreateOptions{})
	require.NoError(t, err)
	podRunning(ctx, t, ns, "app")

	out, err := cluster.Kubectl(ctx, "-n", ns, "exec", "app", "--", "sh", "-c",
		`pwd; echo "$POD_NAME $POD_NAMESPACE $CONTAINER_NAME $GREETING"; echo "$DATA_DIR"; echo kept > marker`)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	dir := lines[0]
	assert.Contains(t, dir, string(pvc.UID), "the working directory is not keyed by the claim")
	assert.Equal(t, "app "+ns+" app hello", lines[1])
	assert.Equal(t, dir, lines[2])

	// A new pod on the same claim sees the data of the old one.
	uid := pvc.UID
	// No grace period: the data must outlive the pod, however it goes, and
	// a 30 s grace under a loaded suite is most of this test's deadline.
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, "app", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}))
	_, err = cluster.WaitFor(ctx, podGVR, ns, "app", framework.Gone)
	require.NoError(t, err)
	_, err = cluster.Kube.CoreV1().Pods(ns).Create(ctx, dataPod("app", pvc.Name), metav1.CreateOptions{})
	require.NoError(t, err)
	podRunning(ctx, t, ns, "app")
	out, err = cluster.Kubectl(ctx, "-n", ns, "exec", "app", "--", "cat", "marker")
	require.NoError(t, err)
	assert.Equal(t, "kept", strings.TrimSpace(out))

	// A failing command reports its exit status.
	_, err = cluster.Kubectl(ctx, "-n", ns, "exec", "app", "--", "sh", "-c", "exit 7")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "exit status 7")

	// The data goes with the claim.
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, "app", metav1.DeleteOptions{}))
	require.NoError(t, cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, pvc.Name, metav1.DeleteOptions{}))
	_, err = cluster.WaitFor(ctx, pvGVR, "", "sim-"+string(uid), framework.Gone)
	require.NoError(t, err)
	_, err = os.Stat(dir)
	assert.True(t, os.IsNotExist(err), "the data directory %s outlived its claim", dir)
	assert.True(t, strings.HasPrefix(dir, filepath.Join(cluster.ClusterRoot, "_output")), "data outside _output: %s", dir)
}
