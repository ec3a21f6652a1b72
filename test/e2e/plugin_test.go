package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// kubectlVitess runs kubectl vitess ARGS the way a user does: kubectl finds
// the plugin, built from cmd/kubectl-vitess, on the PATH.
func kubectlVitess(ctx context.Context, t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(cluster.ClusterRoot, "_output", "bin", "kubectl"), append([]string{"vitess"}, args...)...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+cluster.Kubeconfig, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestKubectlVitessPlugin runs the plugin's four commands against a cluster
// on the local control plane: status shows the tree, switchover moves a
// shard's primary, pause and resume flip the cluster, and vtctldclient
// passes a command to the cluster's vtctld.
func TestKubectlVitessPlugin(t *testing.T) {
	t.Parallel()
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "kubectl-vitess"), "./cmd/kubectl-vitess")
	build.Dir = cluster.Root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building the plugin: %s", out)
	ctx, ns, _, _ := startVitess(t, "example/my-vitess.yaml", 5*time.Minute)
	s := shardsOf(ctx, t, ns)["main/-80"]
	primary := s.Status.Members.Primary[0]
	wrote, err := execIn(ctx, ns, primary, "tabletsim", "write", "3")
	require.NoError(t, err, wrote)
	_, gtids, ok := strings.Cut(wrote, "gtids: ")
	require.True(t, ok, wrote)
	written := strings.Fields(gtids)[0] // <primary's server UUID>:<first>-<last>

	tree, err := kubectlVitess(ctx, t, bin, "-n", ns, "status")
	require.NoError(t, err, tree)
	t.Logf("kubectl vitess status:\n%s", tree)
	for _, want := range []string{"VitessCluster vitess  Ready", "keyspace main", "shard -80  Ready  primary " + primary,
		"shard 80-", "masterEligible  ready"} {
		assert.Contains(t, tree, want)
	}
	// Every tablet of the shard shows the primary's transactions in its
	// position, read through vtctld; the replicas, having acknowledged or
	// applied the write, are in sync with the primary.
	assert.NotContains(t, tree, "positions unknown")
	for pod := range tabletPods(ctx, t, ns, s.Name) {
		row := treeRow(t, tree, "  "+pod+"  node ")
		assert.Contains(t, row, "  pos "+written[:8]+":", "the position holds the primary's writes")
		if pod != primary {
			assert.Contains(t, row, "  in sync", "a replica holds all the primary holds")
		}
	}

	target := replicaOf(ctx, t, ns, s)
	out2, err := kubectlVitess(ctx, t, bin, "-n", ns, "switchover", "main/-80", "--to", target)
	require.NoError(t, err, out2)
	assert.Contains(t, out2, target+" is the primary of main/-80")
	got, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Get(ctx, s.Name, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []string{target}, got.Status.Members.Primary)

	out3, err := kubectlVitess(ctx, t, bin, "-n", ns, "vtctldclient", "--", "GetShard", "main/-80")
	require.NoError(t, err, out3)
	var shard struct {
		Shard struct {
			PrimaryAlias struct{ Cell string } `json:"primary_alias"`
		} `json:"shard"`
	}
	require.NoError(t, json.Unmarshal([]byte(out3), &shard), out3)
	assert.Equal(t, "zone1", shard.Shard.PrimaryAlias.Cell)

	out4, err := kubectlVitess(ctx, t, bin, "-n", ns, "pause", "vitess")
	require.NoError(t, err, out4)
	waitCluster(ctx, t, ns, "vitess", "Paused", func(vc *v1alpha1.VitessCluster) bool { return vc.Status.Phase == common.PhasePaused })
	out5, err := kubectlVitess(ctx, t, bin, "-n", ns, "resume", "vitess")
	require.NoError(t, err, out5)
	waitCluster(ctx, t, ns, "vitess", "Ready after resume", clusterReady)

	_, err = kubectlVitess(ctx, t, bin, "-n", ns, "switchover", "main/-80", "--to", "zone9-1")
	assert.Error(t, err, "a tablet that does not exist is refused")
}

// treeRow is the one line of a status tree that holds part.
func treeRow(t *testing.T, tree, part string) string {
	t.Helper()
	var rows []string
	for _, l := range strings.Split(tree, "\n") {
		if strings.Contains(l, part) {
			rows = append(rows, l)
		}
	}
	require.Len(t, rows, 1, "rows with %q in:\n%s", part, tree)
	return rows[0]
}
