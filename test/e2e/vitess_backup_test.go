package e2e

import (
	"context"
	"encoding/json"
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

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	gtidset "github.com/vitess-operator/vitess-operator/pkg/dataplane/position"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// tabletData reads the simulated data of a tablet pod from its claim.
func tabletData(ctx context.Context, t *testing.T, ns, pod string) simState {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(claimDir(ctx, t, ns, "vtdataroot-"+pod), "tabletsim.json"))
	require.NoError(t, err)
	var st simState
	require.NoError(t, json.Unmarshal(data, &st))
	return st
}

// backupPosition reads the position in a backup's MANIFEST, in the store
// on the backup claim.
func backupPosition(ctx context.Context, t *testing.T, ns, claim, path, shard, name string) gtidset.GTIDSet {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(claimDir(ctx, t, ns, claim), path, shard, name, "MANIFEST"))
	require.NoError(t, err)
	var m struct{ Position string }
	require.NoError(t, json.Unmarshal(data, &m))
	return gtids(t, m.Position)
}

func gtids(t *testing.T, p string) gtidset.GTIDSet {
	t.Helper()
	g, err := gtidset.ParseGTIDSet(strings.TrimPrefix(p, "MySQL56/"))
	require.NoError(t, err)
	return g
}

// backupCluster is the example cluster with backups on a volume the
// operator makes, taken every minute, two kept a shard.
func backupCluster(t *testing.T) *v1alpha1.VitessCluster {
	vc := readCluster(t, "example/my-vitess.yaml")
	vc.Spec.Backup = &v1alpha1.BackupSpec{Schedule: "* * * * *", Retention: new(int32(2)),
		Location: v1alpha1.BackupLocation{Volume: &v1alpha1.BackupVolume{Claim: &corev1.PersistentVolumeClaimSpec{
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}}}
	return vc
}

// TestVitessBackupsRestoreTabletsAndClusters shows the backup path on the
// local cluster: every shard's first backup once it has a primary, a
// scheduled backup taken and listed in status with retention applied; a
// replica deleted with its claim restored from the latest backup, holding
// every row the backup held, then caught up; and a second cluster created
// from a named backup of the first, holding that backup's rows.
func TestVitessBackupsRestoreTabletsAndClusters(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 9*time.Minute)
	ns := cluster.NewNamespace(t)
	cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	vc := backupCluster(t)
	_, err := cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, vc, metav1.CreateOptions{})
	require.NoError(t, err)
	waitCluster(ctx, t, ns, vc.Name, "Ready", clusterReady)
	s := shardsOf(ctx, t, ns)["main/-80"]

	first := waitShard(ctx, t, ns, s.Name, "a first backup", func(v *v1alpha1.VitessShard) bool {
		return v.Status.Backups != nil && v.Status.Backups.Latest != ""
	}).Status.Backups.Latest
	primary := s.Status.Members.Primary[0]
	_, err = execIn(ctx, ns, primary, "tabletsim", "write", "5")
	require.NoError(t, err)

	scheduled := waitShard(ctx, t, ns, s.Name, "a scheduled backup", func(v *v1alpha1.VitessShard) bool {
		return v.Status.Backups != nil && v.Status.Backups.Latest > first && v.Status.Backups.InProgress == ""
	}).Status.Backups
	t.Logf("first backup %s, scheduled %s, next due %v", first, scheduled.Latest, scheduled.NextScheduled)
	out, err := cluster.Kubectl(ctx, "-n", ns, "get", "vts", s.Name, "-o", "jsonpath={.status.backups.latest}")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, strings.TrimSpace(out), scheduled.Latest, "the backup is visible to kubectl")
	held := backupPosition(ctx, t, ns, "vitess-backup", "vitess/main", "-80", scheduled.Latest)
	assert.GreaterOrEqual(t, held.Count(), uint64(5), "the scheduled backup holds the rows written before it")

	waitShard(ctx, t, ns, s.Name, "a third backup, and retention to keep two", func(v *v1alpha1.VitessShard) bool {
		return v.Status.Backups != nil && v.Status.Backups.Count == 2 && v.Status.Backups.Latest > scheduled.Latest
	})
	// No more scheduled backups: the store holds what retention kept.
	updateCluster(ctx, t, ns, vc.Name, func(c *v1alpha1.VitessCluster) { c.Spec.Backup.Schedule = "" })
	waitShard(ctx, t, ns, s.Name, "the schedule removed and no backup under way", func(v *v1alpha1.VitessShard) bool {
		return v.Status.ObservedGeneration == v.Generation && v.Spec.Backup.Schedule == "" && v.Status.Backups != nil &&
			v.Status.Backups.InProgress == "" && v.Status.Backups.Count == 2 && v.Status.Backups.NextScheduled == nil
	})
	entries, err := os.ReadDir(filepath.Join(claimDir(ctx, t, ns, "vitess-backup"), "vitess", "main", "-80"))
	require.NoError(t, err)
	require.Len(t, entries, 2, "retention kept two backups in the store")
	older := entries[0].Name()

	latest := restoreReplica(ctx, t, ns, s, primary)

	// A second cluster from the first cluster's older backup, named by its time.
	copyVC := backupCluster(t)
	copyVC.Name = "copy"
	copyVC.Spec.Backup = &v1alpha1.BackupSpec{RestoreBackupTime: older[:len("2006-01-02.150405")],
		Location: v1alpha1.BackupLocation{Path: "vitess", Volume: &v1alpha1.BackupVolume{ClaimName: "vitess-backup"}}}
	// Its tablets hold the first cluster's accounts once restored: they log
	// in with its credentials.
	copyVC.Spec.MySQL = &v1alpha1.MySQLSpec{CredentialsSecret: vitess.MySQLCredentialsSecretName("vitess")}
	_, err = cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, copyVC, metav1.CreateOptions{})
	require.NoError(t, err)
	waitCluster(ctx, t, ns, "copy", "Ready", clusterReady)
	olderHeld := backupPosition(ctx, t, ns, "vitess-backup", "vitess/main", "-80", older)
	pods := tabletPods(ctx, t, ns, vitess.ShardObjectName("copy", "main", "-80"))
	require.Len(t, pods, 3)
	for name := range pods {
		st := tabletData(ctx, t, ns, name)
		assert.Equal(t, older, st.RestoredFrom, "%s restored the named backup, not the latest (%s)", name, latest)
		assert.True(t, gtids(t, st.GTIDs).Contains(olderHeld), "%s holds every row of the backup", name)
	}
	// The copy replicates: its replicas log in with the accounts the
	// restored data holds, the first cluster's (without naming its Secret,
	// the copy's replicas are refused and receive nothing: seen with the
	// simulator, which holds accounts with the data as mysqld does).
	copyShard, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Get(ctx, vitess.ShardObjectName("copy", "main", "-80"), metav1.GetOptions{})
	require.NoError(t, err)
	out, err = execIn(ctx, ns, copyShard.Status.Members.Primary[0], "tabletsim", "write", "2")
	require.NoError(t, err, out)
	wrote := gtids(t, tabletData(ctx, t, ns, copyShard.Status.Members.Primary[0]).GTIDs)
	for name := range pods {
		assert.True(t, gtids(t, tabletData(ctx, t, ns, name).GTIDs).Contains(wrote), "%s replicates the copy's writes", name)
	}
}

// restoreReplica deletes a replica of s with its claim and waits for it to
// come back restored from the latest backup, then caught up with primary;
// it returns the backup's name.
func restoreReplica(ctx context.Context, t *testing.T, ns string, s v1alpha1.VitessShard, primary string) string {
	t.Helper()
	latest := waitShard(ctx, t, ns, s.Name, "no backup under way", func(v *v1alpha1.VitessShard) bool {
		return v.Status.Backups != nil && v.Status.Backups.InProgress == ""
	}).Status.Backups.Latest
	held := backupPosition(ctx, t, ns, "vitess-backup", "vitess/main", "-80", latest)
	_, err := execIn(ctx, ns, primary, "tabletsim", "write", "3")
	require.NoError(t, err)

	replica := replicaOf(ctx, t, ns, s)
	claim := "vtdataroot-" + replica
	before, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
	require.NoError(t, err)
	require.NoError(t, cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, claim, metav1.DeleteOptions{}))
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, replica, metav1.DeleteOptions{}))
	waitShard(ctx, t, ns, s.Name, "the replica back on a new claim", func(v *v1alpha1.VitessShard) bool {
		c, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
		return err == nil && c.UID != before.UID && shardRunning(3)(v)
	})
	st := tabletData(ctx, t, ns, replica)
	require.NotEmpty(t, st.RestoredFrom, "the replica started empty instead of restoring")
	assert.GreaterOrEqual(t, st.RestoredFrom, latest, "restored from the latest backup")
	assert.True(t, gtids(t, st.RestorePosition).Contains(held), "the restore holds every row the backup held")
	want := position(ctx, t, ns, primary)
	require.Eventually(t, func() bool { return position(ctx, t, ns, replica) >= want }, time.Minute, 500*time.Millisecond,
		"the restored replica catches up with the primary's %d writes", want)
	return st.RestoredFrom
}
