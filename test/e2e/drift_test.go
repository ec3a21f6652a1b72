package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestDriftOnChildrenIsRestored: `kubectl scale vts` to 0 is refused at
// admission (a shard always has a master-eligible tablet); to 5, and
// `kubectl scale` of a vtgate Deployment, are edits behind the
// VitessCluster's back. The shard does not act on its edited spec (no
// tablet pod is created, stopped or deleted), both specs are restored from
// the cluster, and each restoration is reported with a DriftCorrected Event
// naming who edited.
func TestDriftOnChildrenIsRestored(t *testing.T) {
	t.Parallel()
	ctx, ns, _, vc := startVitess(t, "example/my-vitess.yaml", 4*time.Minute)
	s := shardsOf(ctx, t, ns)["main/-80"]
	pods := tabletPods(ctx, t, ns, s.Name)

	_, err := cluster.Kubectl(ctx, "-n", ns, "scale", "vts/"+s.Name, "--replicas=0")
	require.Error(t, err, "a shard scaled to no master-eligible tablet was accepted")
	assert.Contains(t, err.Error(), "spec.tablets.masterEligible.replicas")
	_, err = cluster.Kubectl(ctx, "-n", ns, "scale", "vts/"+s.Name, "--replicas=5")
	require.NoError(t, err)
	vtgate := vitess.VtgateName(vc.Name, "zone1")
	_, err = cluster.Kubectl(ctx, "-n", ns, "scale", "deployment/"+vtgate, "--replicas=5")
	require.NoError(t, err)

	// Restored, and stamped with the generation the restoring write left,
	// so the shard's engine goes on.
	restored, err := framework.WaitForObject(ctx, cluster, ns, s.Name, func(v *v1alpha1.VitessShard) bool {
		return v.Spec.Tablets.MasterEligible != nil && v.Spec.Tablets.MasterEligible.Replicas == s.Spec.Tablets.MasterEligible.Replicas &&
			v.Annotations[k8s.AnnotationSpecGeneration] == strconv.FormatInt(v.Generation, 10)
	})
	require.NoError(t, err, "the shard's spec was not restored")
	assert.Equal(t, s.Spec.Tablets, restored.Spec.Tablets)
	_, err = framework.WaitForObject(ctx, cluster, ns, vtgate, func(d *appsv1.Deployment) bool {
		return d.Spec.Replicas != nil && *d.Spec.Replicas == vc.Spec.Cells[1].Vtgate.Replicas
	})
	require.NoError(t, err, "the vtgate Deployment's replicas were not restored")

	waitShard(ctx, t, ns, s.Name, "running", shardRunning(3))
	after := tabletPods(ctx, t, ns, s.Name)
	assert.Len(t, after, len(pods), "the shard acted on its edited size")
	for name, p := range pods {
		assert.Equal(t, p.UID, after[name].UID, "tablet pod %s was replaced after the edit", name)
	}
	reasons := driftEvents(ctx, t, ns)
	assert.Contains(t, reasons, "VitessShard/"+s.Name+": kubectl")
	assert.Contains(t, reasons, "Deployment/"+vtgate+": kubectl")
}

// driftEvents lists the DriftCorrected Events of ns as "Kind/name: editor".
func driftEvents(ctx context.Context, t *testing.T, ns string) []string {
	t.Helper()
	list, err := cluster.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	var out []string
	for _, e := range list.Items {
		if e.Reason != "DriftCorrected" {
			continue
		}
		editor, _, _ := strings.Cut(strings.TrimPrefix(e.Message, "the spec was edited by "), ";")
		out = append(out, e.InvolvedObject.Kind+"/"+e.InvolvedObject.Name+": "+editor)
	}
	return out
}
