package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitess-operator/vitess-operator/test/framework"
)

// deployObjects renders deploy/operator with kustomize, as kubectl apply -k
// does.
func deployObjects(t *testing.T) []*unstructured.Unstructured {
	t.Helper()
	out, err := cluster.Kubectl(testContext(t, time.Minute), "kustomize", filepath.Join(cluster.Root, "deploy", "operator"))
	require.NoError(t, err)
	objs, err := framework.DecodeManifests([]byte(out))
	require.NoError(t, err)
	return objs
}

// TestDeployManifestsAreLeastPrivilegeAndLockedDown checks deploy/operator:
// no CRDs (so deleting an operator install never deletes the clusters of
// every namespace), only namespaced RBAC, and an operator pod that runs as
// non-root with a read-only root filesystem, probes on the health endpoints
// and its namespace from the downward API.
func TestDeployManifestsAreLeastPrivilegeAndLockedDown(t *testing.T) {
	t.Parallel()
	var dep *appsv1.Deployment
	for _, obj := range deployObjects(t) {
		assert.NotContains(t, []string{"ClusterRole", "ClusterRoleBinding"}, obj.GetKind(), "the operator must not need cluster-wide rights")
		assert.NotEqual(t, "CustomResourceDefinition", obj.GetKind(), "deploy/operator must not hold CRDs: deleting it would delete every cluster")
		if obj.GetKind() == "Deployment" {
			dep = &appsv1.Deployment{}
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, dep))
		}
	}
	require.NotNil(t, dep, "deploy/operator has no Deployment")
	pod := dep.Spec.Template.Spec
	require.NotNil(t, pod.SecurityContext.RunAsNonRoot)
	assert.True(t, *pod.SecurityContext.RunAsNonRoot)
	c := pod.Containers[0]
	require.NotNil(t, c.SecurityContext)
	assert.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
	assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation)
	assert.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path)
	assert.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path)
	envs := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
			envs[e.Name] = e.ValueFrom.FieldRef.FieldPath
		}
	}
	assert.Equal(t, "metadata.namespace", envs["POD_NAMESPACE"])
	assert.Equal(t, appsv1.RecreateDeploymentStrategyType, dep.Spec.Strategy.Type)
}

// TestOperatorRunsWithItsRole runs the operator with the token of a
// ServiceAccount bound to nothing but deploy/operator/role.yaml, and checks
// that it leads and does its work: the Role grants what the operator needs.
// (Every test runs it so; this one checks it leads and acts on every kind.)
func TestOperatorRunsWithItsRole(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	ns := cluster.NewNamespace(t)
	require.NoError(t, cluster.InstallOperatorRBAC(ctx, ns))
	kubeconfig, err := cluster.ServiceAccountKubeconfig(ctx, t.TempDir(), ns)
	require.NoError(t, err)

	op := cluster.StartOperator(t, ns, "op", "--kubeconfig="+kubeconfig)
	_, err = cluster.WaitFor(ctx, leaseGVR, ns, leaseName, op.LeaseHolder)
	require.NoError(t, err)
	for gvr, obj := range createExamples(ctx, t, ns) {
		_, err := cluster.WaitFor(ctx, gvr, ns, obj.GetName(), framework.ObservedCurrentGeneration)
		require.NoError(t, err, "the operator cannot act on %s with its Role", gvr.Resource)
	}
	// The whole Vitess path (etcd, Deployments, PDBs, tablets, execs into
	// vtctld and tablets) with nothing but the Role.
	waitCluster(ctx, t, ns, "vitess", "Ready with the operator's Role", clusterReady)
	waitRSS(ctx, t, ns, "example", "the example set running", settled(3, 3))
	data, err := os.ReadFile(op.LogPath)
	require.NoError(t, err)
	assert.NotContains(t, string(data), "forbidden", "the operator was refused something")
}
