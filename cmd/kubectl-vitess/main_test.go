package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

func TestParseArgs(t *testing.T) {
	inv, err := parseArgs([]string{"-n", "prod", "switchover", "main/-80", "--to=zone1-0000000102"})
	require.NoError(t, err)
	assert.Equal(t, invocation{global: globalFlags{namespace: "prod"}, command: "switchover", target: "main/-80", to: "zone1-0000000102"}, inv)

	inv, err = parseArgs([]string{"vtctldclient", "--kubeconfig", "k", "--", "GetShard", "--json", "main/-80"})
	require.NoError(t, err)
	assert.Equal(t, []string{"GetShard", "--json", "main/-80"}, inv.rest)
	assert.Equal(t, "k", inv.global.kubeconfig)

	for _, bad := range [][]string{{}, {"frobnicate"}, {"pause"}, {"switchover"}, {"status", "a", "b"},
		{"vtctldclient"}, {"status", "--to", "x"}, {"status", "--bogus"}, {"-n"}} {
		_, err := parseArgs(bad)
		assert.Error(t, err, "%v", bad)
	}
	code := run(context.Background(), []string{"frobnicate"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Equal(t, 2, code, "a bad command line exits 2")
}

func testShardView() (*v1alpha1.VitessShard, []tabletRow) {
	s := &v1alpha1.VitessShard{ObjectMeta: metav1.ObjectMeta{Name: "vt-main-x-80"}}
	s.Spec.Keyspace, s.Spec.Name = "main", "-80"
	s.Status.Phase = common.PhaseReady
	s.Status.Members.Primary = []string{"vt-vttablet-zone1-1"}
	s.Status.Members.Ready = []string{"vt-vttablet-zone1-1", "vt-vttablet-zone1-2", "vt-vttablet-zone1-3"}
	rows := []tabletRow{
		{pod: "vt-vttablet-zone1-1", alias: "zone1-1", pool: vitess.PoolMasterEligible, role: replication.RolePrimary, ready: true, node: "n1"},
		{pod: "vt-vttablet-zone1-3", alias: "zone1-3", pool: vitess.PoolBatch, role: "secondary", ready: true, node: "n3"},
		{pod: "vt-vttablet-zone1-2", alias: "zone1-2", pool: vitess.PoolMasterEligible, role: "secondary", ready: true, node: "n2"},
	}
	return s, rows
}

func TestSwitchoverTarget(t *testing.T) {
	s, rows := testShardView()
	got, err := switchoverTarget(s, rows, "")
	require.NoError(t, err)
	assert.Equal(t, "vt-vttablet-zone1-2", got, "a ready master-eligible replica, never rdonly")
	got, err = switchoverTarget(s, rows, "zone1-2")
	require.NoError(t, err)
	assert.Equal(t, "vt-vttablet-zone1-2", got, "an alias names its pod")
	_, err = switchoverTarget(s, rows, "zone1-3")
	assert.ErrorContains(t, err, "only master-eligible tablets become primary")
	_, err = switchoverTarget(s, rows, "zone9-1")
	assert.ErrorContains(t, err, "is not a tablet of main/-80")
	rows[2].ready = false
	_, err = switchoverTarget(s, rows, "")
	assert.ErrorContains(t, err, "no ready master-eligible replica")
}

func TestRenderTree(t *testing.T) {
	s, rows := testShardView()
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	s.Status.Backups = &v1alpha1.ShardBackups{Count: 2, LatestTime: &metav1.Time{Time: now.Add(-3 * time.Hour)}}
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "vt"}}
	vc.Spec.Cells = []v1alpha1.CellSpec{{Name: "global", Vtctld: &v1alpha1.ComponentSpec{Replicas: 1}},
		{Name: "zone1", Zone: "zone-a", Vtgate: &v1alpha1.VtgateSpec{ComponentSpec: v1alpha1.ComponentSpec{Replicas: 2}}}}
	vc.Status.Phase, vc.Status.Shards, vc.Status.ReadyShards = common.PhaseReady, 1, 1
	ev := corev1.Event{Type: corev1.EventTypeNormal, Reason: "Switchover", Message: "moved the primary",
		LastTimestamp: metav1.Time{Time: now.Add(-90 * time.Second)}}
	var out bytes.Buffer
	renderTree(&out, clusterView{cluster: vc, shards: []*v1alpha1.VitessShard{s},
		tablets: map[string][]tabletRow{s.Name: rows}, events: map[string][]corev1.Event{s.Name: {ev}}}, now)
	want := strings.Join([]string{
		"VitessCluster vt  Ready  shards 1/1 ready  cells 0/0 ready",
		"├─ cell global  vtctld 1",
		"├─ cell zone1  zone zone-a, vtgate 2",
		"└─ keyspace main",
		"   └─ shard -80  Ready  primary vt-vttablet-zone1-1  backups 2 (latest 3h ago)",
		"      ├─ zone1-1  primary  masterEligible  ready  vt-vttablet-zone1-1  node n1",
		"      ├─ zone1-3  secondary  batch  ready  vt-vttablet-zone1-3  node n3",
		"      ├─ zone1-2  secondary  masterEligible  ready  vt-vttablet-zone1-2  node n2",
		"      └─ 1m ago  Normal  Switchover: moved the primary",
		""}, "\n")
	assert.Equal(t, want, out.String())
}
