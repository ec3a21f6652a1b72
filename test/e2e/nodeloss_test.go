package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// plainPod returns a pod without claims, with one container "app".
func plainPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}},
	}
}

// onQuietNode runs pod on the quietest node, which the test may lose: the
// node is brought back when the test ends. It returns the node.
func onQuietNode(ctx context.Context, t *testing.T, ns string, pod *corev1.Pod) string {
	t.Helper()
	node, err := cluster.QuietestNode(ctx)
	require.NoError(t, err)
	pod.Spec.NodeSelector = map[string]string{corev1.LabelHostname: node}
	_, err = cluster.Kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	require.NoError(t, err)
	podRunning(ctx, t, ns, pod.Name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = cluster.RestoreNode(ctx, node)
		_ = cluster.SetOutOfService(ctx, node, false)
		if _, err := cluster.WaitForNode(ctx, node, framework.NodeHealthy); err != nil {
			t.Logf("node %s did not come back: %v", node, err)
		}
	})
	return node
}

// podReady waits until the pod's Ready condition is status.
func podReady(ctx context.Context, t *testing.T, ns, name string, status corev1.ConditionStatus) {
	t.Helper()
	_, err := framework.WaitForObject(ctx, cluster, ns, name, func(p *corev1.Pod) bool {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				return c.Status == status
			}
		}
		return false
	})
	require.NoError(t, err, "pod %s/%s Ready=%s", ns, name, status)
}

// execUntil runs true in the pod through the operator's executor until the
// outcome is an error (fail) or a clean exit, and returns the last error.
func execUntil(ctx context.Context, t *testing.T, ns, pod string, fail bool) error {
	t.Helper()
	executor := dataplane.NewPodExecutor(cluster.Config, cluster.Kube)
	target := dataplane.Target{Namespace: ns, Pod: pod, Container: "app"}
	var last error
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		res, err := executor.Exec(ctx, target, []string{"true"})
		last = err
		if err == nil && res.ExitCode != 0 {
			return false, nil
		}
		return (err != nil) == fail, nil
	})
	require.NoError(t, err, "exec in %s/%s failing=%t; last error: %v", ns, pod, fail, last)
	return last
}

// TestNodeLoss loses the node a pod runs on: the node goes NotReady and is
// tainted unreachable, the pod goes NotReady, exec into it fails with an
// error (not an exit code) and the simulation host marks it lost. Bringing
// the node back undoes all of it.
func TestNodeLoss(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	ns := cluster.NewNamespace(t)
	node := onQuietNode(ctx, t, ns, plainPod("app"))
	marker := cluster.LostMarker(ns, "app")
	require.Nil(t, execUntil(ctx, t, ns, "app", false))
	require.NoFileExists(t, marker)

	start := time.Now()
	require.NoError(t, cluster.LoseNode(ctx, node))
	require.NoError(t, framework.WaitForFile(ctx, marker, true))
	markedAfter := time.Since(start)
	execErr := execUntil(ctx, t, ns, "app", true)
	_, coded := dataplane.ExitCode(execErr)
	assert.False(t, coded, "exec into a pod of a lost node gave an exit code: %v", execErr)
	assert.Contains(t, execErr.Error(), "connect: connection refused")
	_, kubectlErr := cluster.Kubectl(ctx, "-n", ns, "exec", "app", "--", "true")
	require.Error(t, kubectlErr)
	assert.Contains(t, kubectlErr.Error(), "connect: connection refused")
	failedAfter := time.Since(start)

	_, err := cluster.WaitForNode(ctx, node, func(n *corev1.Node) bool {
		return framework.NodeUnreachable(n) && framework.HasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule)
	})
	require.NoError(t, err)
	unreachableAfter := time.Since(start)
	podReady(ctx, t, ns, "app", corev1.ConditionFalse)
	notReadyAfter := time.Since(start)
	lease, err := cluster.Kube.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, node, metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, lease.Spec.HolderIdentity)
	assert.Equal(t, "local.vitess-operator.io/lost", *lease.Spec.HolderIdentity)
	t.Logf("node %s lost: marker after %v, exec failing after %v, node unreachable after %v, pod NotReady after %v",
		node, markedAfter, failedAfter, unreachableAfter, notReadyAfter)
	t.Logf("exec error: %v", execErr)
	t.Logf("kubectl exec error: %v", kubectlErr)

	start = time.Now()
	require.NoError(t, cluster.RestoreNode(ctx, node))
	_, err = cluster.WaitForNode(ctx, node, framework.NodeHealthy)
	require.NoError(t, err)
	healthyAfter := time.Since(start)
	require.NoError(t, framework.WaitForFile(ctx, marker, false))
	require.Nil(t, execUntil(ctx, t, ns, "app", false))
	podReady(ctx, t, ns, "app", corev1.ConditionTrue)
	t.Logf("node %s back: Ready and untainted after %v, pod Ready after %v", node, healthyAfter, time.Since(start))
}

// TestNodeLossPodsStayTerminating shows what happens to the pods of a lost
// node: evicted once their toleration of the unreachable taint runs out, they
// stay Terminating, since no kubelet confirms they stopped, until a person
// marks the node out of service; the pod garbage collector then
// force-deletes them.
func TestNodeLossPodsStayTerminating(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	ns := cluster.NewNamespace(t)
	// Evicted one second after the taint rather than after the default 300,
	// and given two seconds to stop rather than 30.
	pod := plainPod("app")
	one, two := int64(1), int64(2)
	pod.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &one}}
	pod.Spec.TerminationGracePeriodSeconds = &two
	node := onQuietNode(ctx, t, ns, pod)

	start := time.Now()
	require.NoError(t, cluster.LoseNode(ctx, node))
	_, err := cluster.WaitForNode(ctx, node, framework.NodeUnreachable)
	require.NoError(t, err)
	pod, err = framework.WaitForObject(ctx, cluster, ns, "app", func(p *corev1.Pod) bool {
		return p.DeletionTimestamp != nil
	})
	require.NoError(t, err)
	t.Logf("pod evicted %v after the node was lost", time.Since(start))

	// Five seconds past the end of its grace period the pod is still there:
	// nothing confirms it stopped.
	waitCtx, cancel := context.WithDeadline(ctx, pod.DeletionTimestamp.Add(5*time.Second))
	_, err = cluster.WaitFor(waitCtx, podGVR, ns, "app", framework.Gone)
	cancel()
	require.Error(t, err, "the pod of a lost node went away %v after the node was lost", time.Since(start))
	require.True(t, wait.Interrupted(err), "%v", err)

	start = time.Now()
	require.NoError(t, cluster.SetOutOfService(ctx, node, true))
	_, err = cluster.WaitFor(ctx, podGVR, ns, "app", framework.Gone)
	require.NoError(t, err)
	t.Logf("pod force-deleted %v after the node was marked out of service", time.Since(start))
	require.NoError(t, framework.WaitForFile(ctx, cluster.LostMarker(ns, "app"), false))
}

// TestNodeDeletedPodsAreCollected deletes the Node object of a pod's node:
// exec into the pod fails, the pod is marked lost, and the pod garbage
// collector deletes it. The node then registers again.
func TestNodeDeletedPodsAreCollected(t *testing.T) {
	ctx := testContext(t, 4*time.Minute)
	ns := cluster.NewNamespace(t)
	node := onQuietNode(ctx, t, ns, plainPod("app"))

	start := time.Now()
	old, err := cluster.DeleteNode(ctx, node)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		assert.NoError(t, cluster.RecreateNode(ctx, old))
	})
	require.NoError(t, framework.WaitForFile(ctx, cluster.LostMarker(ns, "app"), true))
	execErr := execUntil(ctx, t, ns, "app", true)
	_, coded := dataplane.ExitCode(execErr)
	assert.False(t, coded, "exec into a pod of a deleted node gave an exit code: %v", execErr)
	t.Logf("exec error: %v", execErr)

	_, err = cluster.WaitFor(ctx, podGVR, ns, "app", framework.Gone)
	require.NoError(t, err)
	t.Logf("pod collected %v after its node was deleted", time.Since(start))
	require.NoError(t, framework.WaitForFile(ctx, cluster.LostMarker(ns, "app"), false))

	require.NoError(t, cluster.RecreateNode(ctx, old))
	_, err = cluster.WaitForNode(ctx, node, framework.NodeHealthy)
	require.NoError(t, err)
}
