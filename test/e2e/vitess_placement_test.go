package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// TestVitessCellsPlacedByZoneAndShardsSpread runs a cluster whose cells are
// bound to zones, with tolerations and node selectors on every component:
// every pod of a cell runs on a node of its zone and carries the options,
// each shard's tablets of a cell run on distinct nodes, a pool's my.cnf
// fragment reaches its mysqld containers, and the tablets run the exporter
// sidecar and still become Ready.
func TestVitessCellsPlacedByZoneAndShardsSpread(t *testing.T) {
	t.Parallel()
	ctx, ns, _, vc := startVitess(t, "test/e2e/testdata/zones.yaml", 4*time.Minute)
	zoneOf := map[string]string{}
	for _, c := range vc.Spec.Cells {
		zoneOf[c.Name] = c.Zone
	}
	nodes, err := cluster.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	nodeZone := map[string]string{}
	for _, n := range nodes.Items {
		nodeZone[n.Name] = n.Labels[vitess.LabelZone]
	}
	pods, err := cluster.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: vitess.LabelCluster + "=zoned"})
	require.NoError(t, err)
	require.NotEmpty(t, pods.Items)
	tolerated := corev1.Toleration{Key: "dedicated", Value: "vitess", Effect: corev1.TaintEffectNoSchedule}
	tabletNodes := map[string]map[string]string{} // shard/cell -> node -> pod
	for _, p := range pods.Items {
		cell := p.Labels[vitess.LabelCell]
		require.NotEmpty(t, cell, "pod %s has no cell label", p.Name)
		assert.Equal(t, zoneOf[cell], nodeZone[p.Spec.NodeName], "pod %s of cell %s runs on %s", p.Name, cell, p.Spec.NodeName)
		assert.Contains(t, p.Spec.Tolerations, tolerated, "pod %s lacks the toleration", p.Name)
		assert.Equal(t, "linux", p.Spec.NodeSelector["kubernetes.io/os"], "pod %s lacks the node selector", p.Name)
		if p.Labels[vitess.LabelComponent] != "vttablet" {
			continue
		}
		key := p.Labels[vitess.LabelShard] + "/" + cell
		if tabletNodes[key] == nil {
			tabletNodes[key] = map[string]string{}
		}
		if other, ok := tabletNodes[key][p.Spec.NodeName]; ok {
			t.Errorf("tablets %s and %s of %s share node %s", other, p.Name, key, p.Spec.NodeName)
		}
		tabletNodes[key][p.Spec.NodeName] = p.Name
		// The exporter sidecar runs beside vttablet and mysqld, with the
		// tablet's identity and the tablet containers' restrictions.
		require.Len(t, p.Spec.Containers, 3, p.Name)
		exporter := p.Spec.Containers[2]
		assert.Equal(t, "mysqld-exporter", exporter.Name)
		for _, e := range p.Spec.Containers[0].Env {
			if e.Name == "TABLET_UID" {
				assert.Contains(t, exporter.Env, e, "%s: the sidecar knows its tablet", p.Name)
			}
		}
		assert.True(t, *exporter.SecurityContext.ReadOnlyRootFilesystem, p.Name)
		if p.Labels[vitess.LabelPool] == vitess.PoolMasterEligible {
			assert.Equal(t, "data", p.Labels["team"])
			assert.Equal(t, "data-team", p.Annotations["example.com/owner"])
			for _, c := range p.Spec.Containers {
				assert.Equal(t, corev1.PullIfNotPresent, c.ImagePullPolicy, "%s/%s", p.Name, c.Name)
			}
			// The fragment reaches mysqlctld as the file EXTRA_MY_CNF names,
			// made from the annotation (that mysqld reads it is shown on
			// real Vitess: TestMyCnfFragmentReachesMysqld).
			assert.Equal(t, "max_connections = 2000\n", p.Annotations[vitess.AnnotationMyCnf])
			assert.Contains(t, p.Spec.Containers[1].Env, corev1.EnvVar{Name: "EXTRA_MY_CNF", Value: "/vt/config/extra/extra.cnf"})
		}
	}
	assert.Len(t, tabletNodes, 4, "two shards in two cells")
}
