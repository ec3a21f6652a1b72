package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/test/framework"
)

var leaseGVR = coordinationv1.SchemeGroupVersion.WithResource("leases")

const leaseName = "vitess-operator"

// createExamples creates the objects of example/my-vitess.yaml and
// example/cluster.yaml in ns and returns them with the resource of each.
func createExamples(ctx context.Context, t *testing.T, ns string) map[schema.GroupVersionResource]*unstructured.Unstructured {
	t.Helper()
	created := map[schema.GroupVersionResource]*unstructured.Unstructured{}
	for _, f := range []string{"my-vitess.yaml", "cluster.yaml"} {
		objs, err := framework.ReadManifests(filepath.Join(cluster.Root, "example", f))
		require.NoError(t, err)
		for _, obj := range objs {
			got, err := cluster.Create(ctx, ns, obj)
			require.NoError(t, err, f)
			mapping, err := cluster.Mapper.RESTMapping(got.GroupVersionKind().GroupKind(), got.GroupVersionKind().Version)
			require.NoError(t, err)
			created[mapping.Resource] = got
		}
	}
	return created
}

// waitReady polls an operator's /readyz, an HTTP endpoint with nothing to
// watch, until it answers want.
func waitReady(ctx context.Context, t *testing.T, op *framework.Operator, want int) {
	t.Helper()
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		return op.Probe(ctx, "/readyz") == want, nil
	})
	require.NoError(t, err, "operator %s /readyz never answered %d", op.Name, want)
}

// patchSpec merges patch into the object's spec and returns the new generation.
func patchSpec(ctx context.Context, t *testing.T, ns string, gvr schema.GroupVersionResource, name, patch string) int64 {
	t.Helper()
	got, err := cluster.Dynamic.Resource(gvr).Namespace(ns).Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	require.NoError(t, err)
	return got.GetGeneration()
}

// TestObservedGenerationFollowsSpecEdits checks that the operator records
// every spec generation it has seen, for each kind a user edits.
func TestObservedGenerationFollowsSpecEdits(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	ns := cluster.NewNamespace(t)
	op := cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	objs := createExamples(ctx, t, ns)
	for gvr, obj := range objs {
		_, err := cluster.WaitFor(ctx, gvr, ns, obj.GetName(), framework.ObservedCurrentGeneration)
		require.NoError(t, err)
	}
	patches := map[string]string{
		"vitessclusters":         `{"spec":{"reconcileInterval":"45s"}}`,
		"replicatedstatefulsets": `{"spec":{"replicas":5}}`,
	}
	for gvr, obj := range objs {
		gen := patchSpec(ctx, t, ns, gvr, obj.GetName(), patches[gvr.Resource])
		require.Greater(t, gen, obj.GetGeneration(), "the patch of %s did not change its spec", gvr.Resource)
		got, err := cluster.WaitFor(ctx, gvr, ns, obj.GetName(), framework.ObservedCurrentGeneration)
		require.NoError(t, err)
		assert.Equal(t, gen, got.GetGeneration())
	}
	assert.False(t, op.Exited(), "the operator exited")
}

// TestStandbyTakesOverWhenLeaderIsKilled runs two operators: only the Lease
// holder is ready and acts; when it is killed with SIGKILL, the standby
// takes the Lease over and carries on.
func TestStandbyTakesOverWhenLeaderIsKilled(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	ns := cluster.NewNamespace(t)
	a := cluster.StartOperator(t, ns, "op-a", framework.FastLeaderElection()...)
	_, err := cluster.WaitFor(ctx, leaseGVR, ns, leaseName, a.LeaseHolder)
	require.NoError(t, err)
	waitReady(ctx, t, a, http.StatusOK)

	b := cluster.StartOperator(t, ns, "op-b", framework.FastLeaderElection()...)
	require.NoError(t, wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		return b.Probe(ctx, "/healthz") == http.StatusOK, nil
	}))
	assert.Equal(t, http.StatusServiceUnavailable, b.Probe(ctx, "/readyz"), "a standby must not report ready")

	a.Kill()
	killed := time.Now()
	_, err = cluster.WaitFor(ctx, leaseGVR, ns, leaseName, b.LeaseHolder)
	require.NoError(t, err)
	t.Logf("standby took the Lease over %v after the leader was killed", time.Since(killed).Round(10*time.Millisecond))
	waitReady(ctx, t, b, http.StatusOK)

	objs := createExamples(ctx, t, ns)
	for gvr, obj := range objs {
		_, err := cluster.WaitFor(ctx, gvr, ns, obj.GetName(), framework.ObservedCurrentGeneration)
		require.NoError(t, err, "the new leader does not act on %s", gvr.Resource)
	}
}

// TestShutdownReleasesLease checks that SIGTERM makes the leader exit cleanly
// and give the Lease up, so a successor need not wait for it to expire.
func TestShutdownReleasesLease(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	ns := cluster.NewNamespace(t)
	a := cluster.StartOperator(t, ns, "op-a")
	_, err := cluster.WaitFor(ctx, leaseGVR, ns, leaseName, a.LeaseHolder)
	require.NoError(t, err)

	require.NoError(t, a.Stop(ctx))
	assert.Equal(t, 0, a.ExitCode())
	_, err = cluster.WaitFor(ctx, leaseGVR, ns, leaseName, func(obj *unstructured.Unstructured) (bool, error) {
		if obj == nil {
			return false, nil
		}
		holder, _, err := unstructured.NestedString(obj.Object, "spec", "holderIdentity")
		return holder == "", err
	})
	require.NoError(t, err, "the Lease still names the stopped operator")
}
