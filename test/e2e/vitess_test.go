package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// TestVitessExampleBecomesReady applies example/my-vitess.yaml and checks
// Ready the ways users check it, and that every shard has exactly one
// primary, a master-eligible tablet, named in status.
func TestVitessExampleBecomesReady(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startVitess(t, "example/my-vitess.yaml", 3*time.Minute)

	out, err := cluster.Kubectl(ctx, "-n", ns, "get", "vitessclusters", "-o", "custom-columns=NAME:.metadata.name,READY:.status.phase")
	require.NoError(t, err)
	assert.Equal(t, []string{"vitess", "Ready"}, strings.Fields(strings.Split(out, "\n")[1]))
	out, err = cluster.Kubectl(ctx, "-n", ns, "get", "vitessclusters", "-o", `custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status`)
	require.NoError(t, err)
	assert.Equal(t, []string{"vitess", "True"}, strings.Fields(strings.Split(out, "\n")[1]))
	_, err = cluster.Kubectl(ctx, "-n", ns, "wait", "--for=condition=Ready", "vt/vitess", "--timeout=30s")
	require.NoError(t, err)

	shards := shardsOf(ctx, t, ns)
	require.Len(t, shards, 2)
	for _, name := range []string{"main/-80", "main/80-"} {
		s := shards[name]
		require.Len(t, s.Status.Members.Primary, 1, name)
		pods := tabletPods(ctx, t, ns, s.Name)
		assert.Len(t, pods, 3, "2 master-eligible and 1 batch tablet in zone1")
		primaries := 0
		for podName, p := range pods {
			if p.Labels[replication.LabelRole] == replication.RolePrimary {
				primaries++
				assert.Equal(t, s.Status.Members.Primary[0], podName)
				assert.Equal(t, vitess.PoolMasterEligible, p.Labels[vitess.LabelPool], "a batch tablet became primary")
			}
		}
		assert.Equal(t, 1, primaries, name)
	}
}

// TestVitessReplicaAndPrimaryRecovery deletes a replica tablet, which comes
// back under its name on its claim, then the primary, which is failed over
// to a replica that holds every acknowledged write; the cluster is Ready again.
func TestVitessReplicaAndPrimaryRecovery(t *testing.T) {
	t.Parallel()
	ctx, ns, op, _ := startVitess(t, "example/my-vitess.yaml", 3*time.Minute)
	s := shardsOf(ctx, t, ns)["main/-80"]

	replica := replicaOf(ctx, t, ns, s)
	before := tabletPods(ctx, t, ns, s.Name)[replica]
	claim, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "vtdataroot-"+replica, metav1.GetOptions{})
	require.NoError(t, err)
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, replica, metav1.DeleteOptions{}))
	waitShard(ctx, t, ns, s.Name, "the replica back", func(v *v1alpha1.VitessShard) bool {
		p, ok := tabletPods(ctx, t, ns, s.Name)[replica]
		return ok && p.UID != before.UID && shardRunning(3)(v)
	})
	again, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "vtdataroot-"+replica, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, claim.UID, again.UID, "the replica came back on another claim")

	primary := s.Status.Members.Primary[0]
	sampler := sampleWritable(ctx, t, ns, "vitess-vttablet-")
	acked := 0
	for i := 0; i < 4; i++ {
		if _, err := execIn(ctx, ns, primary, "tabletsim", "write", "5"); err == nil {
			acked += 5
		}
	}
	require.Greater(t, acked, 0)
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, primary, metav1.DeleteOptions{}))
	s2 := waitShard(ctx, t, ns, s.Name, "a new primary", func(v *v1alpha1.VitessShard) bool {
		return len(v.Status.Members.Primary) == 1 && v.Status.Members.Primary[0] != primary
	})
	promoted := s2.Status.Members.Primary[0]
	assert.Equal(t, vitess.PoolMasterEligible, tabletPods(ctx, t, ns, s.Name)[promoted].Labels[vitess.LabelPool])
	assert.GreaterOrEqual(t, position(ctx, t, ns, promoted), acked, "the new primary lost acknowledged writes")
	waitCluster(ctx, t, ns, "vitess", "Ready again", clusterReady)
	writable, at, samples := sampler.finish()
	assert.Equal(t, 1, writable, "two writable tablets in one shard at one moment: %v (%d samples)", at, samples)

	// The move and the new primary are in /metrics, by shard: a primary
	// whose pod is deleted gracefully hands over by a planned switchover
	// (its pod holds); one that was lost first is failed over.
	labels := `cluster="vitess",keyspace="main",kind="VitessShard",namespace="` + ns + `",`
	moves := metric(ctx, op, `vitess_operator_failovers_total{`+labels+`set="`+s.Name+`",shard="-80"}`) +
		"+" + metric(ctx, op, `vitess_operator_switchovers_total{`+labels+`set="`+s.Name+`",shard="-80"}`)
	assert.Contains(t, []string{"1+0", "0+1"}, moves, "failovers+switchovers of the shard")
	assert.Equal(t, "1", metric(ctx, op, `vitess_operator_primary_info{`+labels+`pod="`+promoted+`",set="`+s.Name+`",shard="-80"}`))
	assert.Equal(t, "0", metric(ctx, op, `vitess_operator_primary_info{`+labels+`pod="`+primary+`",set="`+s.Name+`",shard="-80"}`),
		"the old primary's series is gone")
	assert.NotEqual(t, "0", metric(ctx, op, `leader_election_master_status{name="vitess-operator"}`))
}

// TestVitessResizeAndRoll grows the master-eligible pool from 2 to 3 and
// back, then changes the tablet image: tablets are replaced one at a time,
// the primary last, after its role moved away with a planned reparent.
func TestVitessResizeAndRoll(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startVitess(t, "example/my-vitess.yaml", 4*time.Minute)
	s := shardsOf(ctx, t, ns)["main/-80"]
	primary := s.Status.Members.Primary[0]

	setReplicas := func(n int32) {
		updateCluster(ctx, t, ns, "vitess", func(vc *v1alpha1.VitessCluster) {
			vc.Spec.Keyspaces[0].Tablets.MasterEligible.Replicas = n
		})
	}
	setReplicas(3)
	waitShard(ctx, t, ns, s.Name, "4 tablets", shardRunning(4))
	setReplicas(2)
	s2 := waitShard(ctx, t, ns, s.Name, "3 tablets", func(v *v1alpha1.VitessShard) bool {
		return shardRunning(3)(v) && len(tabletPods(ctx, t, ns, s.Name)) == 3
	})
	assert.Equal(t, []string{primary}, s2.Status.Members.Primary)
	claims, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{LabelSelector: replication.LabelSet + "=" + s.Name})
	require.NoError(t, err)
	assert.Len(t, claims.Items, 4, "the removed tablet's claim is kept")
	waitCluster(ctx, t, ns, "vitess", "Ready after the resize", clusterReady)

	order := watchReplacements(ctx, t, ns, vitess.ShardKind, s.Name, 3)
	updateCluster(ctx, t, ns, "vitess", func(vc *v1alpha1.VitessCluster) {
		vc.Spec.Keyspaces[0].Tablets.Defaults.Image = "vitess/lite:v24.0.1"
	})
	replaced := <-order
	require.Len(t, replaced, 3, "not every tablet was replaced: %v", replaced)
	assert.Equal(t, primary, replaced[2], "the primary was not replaced last: %v", replaced)
	// The shard's status can read Running from the pass before the last
	// replacement; wait for every pod to be on the new image as well.
	s3 := waitShard(ctx, t, ns, s.Name, "the rolled shard, every tablet on the new image", func(v *v1alpha1.VitessShard) bool {
		for _, p := range tabletPods(ctx, t, ns, s.Name) {
			if p.Spec.Containers[0].Image != "vitess/lite:v24.0.1" {
				return false
			}
		}
		return shardRunning(3)(v)
	})
	assert.NotEqual(t, primary, s3.Status.Members.Primary[0], "the role should have moved off the old primary before its replacement")
	waitCluster(ctx, t, ns, "vitess", "Ready after the roll", clusterReady)
}

// TestVitessSwitchoverOnRequest annotates a shard with a replica's alias and
// sees the primary role move there with a planned reparent.
func TestVitessSwitchoverOnRequest(t *testing.T) {
	t.Parallel()
	ctx, ns, _, _ := startVitess(t, "example/my-vitess.yaml", 3*time.Minute)
	s := shardsOf(ctx, t, ns)["main/80-"]
	target := tabletPods(ctx, t, ns, s.Name)[replicaOf(ctx, t, ns, s)]
	alias := ""
	for _, e := range target.Spec.Containers[0].Env {
		if e.Name == "TABLET_ALIAS" {
			alias = e.Value
		}
	}
	require.True(t, strings.HasPrefix(alias, "zone1-"), alias)

	patch := `{"metadata":{"annotations":{"` + vitess.AnnotationPrimary + `":"` + alias + `"}}}`
	_, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Patch(ctx, s.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	require.NoError(t, err)
	s2 := waitShard(ctx, t, ns, s.Name, "the primary on the asked tablet", func(v *v1alpha1.VitessShard) bool {
		return shardRunning(3)(v) && v.Status.Members.Primary[0] == target.Name
	})
	assert.Equal(t, []string{target.Name}, s2.Status.Members.Primary)
}
