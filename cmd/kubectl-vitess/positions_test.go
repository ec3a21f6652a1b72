package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

const (
	uuidA = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	uuidB = "4f22ab58-82db-22f2-af44-d91bb0530673"
	uuidC = "5a33bc69-93ec-33a3-b055-ea2cc1641784"
	uuidD = "6b44cd70-a4fd-44b4-c166-fb3dd2752895"
)

// positionsOutput is ShardReplicationPositions as vtctldclient v24 prints
// it: the primary, then replicas by type, one that did not answer with an
// empty position.
const positionsOutput = `zone1-1 main -80 primary 10.0.0.1:15000 10.0.0.1:3306 [env: "prod" team: "a b"] 2026-12-06T11:00:00Z MySQL56/` + uuidA + `:1-57 0
zone1-2 main -80 replica 10.0.0.2:15000 10.0.0.2:3306 [] <null> MySQL56/` + uuidA + `:1-50 7
zone1-3 main -80 rdonly 10.0.0.3:15000 10.0.0.3:3306 [] <null>  0
`

func TestParsePositionsFlag(t *testing.T) {
	inv, err := parseArgs([]string{"status", "--positions=full"})
	require.NoError(t, err)
	assert.Equal(t, positionsFull, inv.positions)
	for _, bad := range [][]string{{"status", "--positions", "wide"}, {"pause", "vt", "--positions=off"}} {
		_, err := parseArgs(bad)
		assert.Error(t, err, "%v", bad)
	}
}

func TestParsePositions(t *testing.T) {
	got, err := parsePositions(positionsOutput)
	require.NoError(t, err)
	assert.Equal(t, map[string]tabletPosition{
		"zone1-3": {typ: "rdonly"},
		"zone1-1": {typ: "primary", termStart: "2026-12-06T11:00:00Z", answered: true, position: "MySQL56/" + uuidA + ":1-57"},
		"zone1-2": {typ: "replica", answered: true, position: "MySQL56/" + uuidA + ":1-50", lag: 7},
	}, got, "tags may hold spaces; a tablet that did not answer has no position")

	got, err = parsePositions("zone1-3 main -80 rdonly 10.0.0.3:15000 10.0.0.3:3306 [] <null><err> <err> <err>\r\n")
	require.NoError(t, err)
	assert.Equal(t, map[string]tabletPosition{"zone1-3": {typ: "rdonly"}}, got, "a nil status, as an in-process vtctld keeps it")

	got, err = parsePositions("")
	require.NoError(t, err)
	assert.Empty(t, got, "a shard without tablets prints nothing")
	for _, bad := range []string{"zone1-1 main -80 primary", "zone1-1 main -80 replica a b [] <null> MySQL56/ lots",
		"zone1-1 main -80 replica a b [] <null> MySQL56/"} {
		_, err := parsePositions(bad)
		assert.Error(t, err, bad)
	}
}

func TestShortPosition(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"MySQL56/" + uuidA + ":1-57", "3e11fa47:1-57"},
		{"MySQL56/" + uuidA + ":1-57:60," + uuidB + ":1-3", "3e11fa47:1-57:60,4f22ab58:1-3"},
		{"MySQL56/" + uuidA + ":1-5," + uuidB + ":1-300," + uuidC + ":1," + uuidD + ":1-40", "3e11fa47:1-5,4f22ab58:1-300,6b44cd70:1-40,+1 more"},
		{"MySQL56/", "empty"},
		{"MariaDB/0-101-12", "0-101-12"},
		{"garbage", "garbage"},
	} {
		assert.Equal(t, c.want, shortPosition(c.in), c.in)
	}
}

func TestReplicaState(t *testing.T) {
	p := "MySQL56/" + uuidA + ":1-57"
	for _, c := range []struct{ replica, want string }{
		{p, "in sync"},
		{"MySQL56/" + uuidA + ":1-60", "in sync"}, // read after the primary
		{"MySQL56/" + uuidA + ":1-50", "behind 7"},
		{"MySQL56/" + uuidA + ":1-50," + uuidB + ":1", "diverged"},
		{"MariaDB/0-1-5", ""},
		{"nonsense", ""},
	} {
		assert.Equal(t, c.want, replicaState(p, c.replica), c.replica)
	}
	assert.Equal(t, "behind", replicaState("MariaDB/0-1-9", "MariaDB/0-1-5"))
	assert.Equal(t, "in sync", replicaState("MariaDB/0-1-9", "MariaDB/0-1-9"))
}

func TestPositionText(t *testing.T) {
	byAlias, err := parsePositions(positionsOutput)
	require.NoError(t, err)
	sp := &shardPositions{byAlias: byAlias}
	for _, c := range []struct {
		mode, alias string
		sp          *shardPositions
		want        string
	}{
		{positionsShort, "zone1-1", sp, "pos 3e11fa47:1-57"},
		{positionsShort, "zone1-2", sp, "pos 3e11fa47:1-50  behind 7  lag 7s"},
		{positionsFull, "zone1-2", sp, "pos MySQL56/" + uuidA + ":1-50  behind 7  lag 7s"},
		{positionsShort, "zone1-3", sp, "pos no answer"},
		{positionsShort, "zone1-9", sp, "pos -"},
		{positionsShort, "zone1-1", &shardPositions{err: "vtctld is down"}, "pos unknown"},
		{positionsShort, "zone1-1", nil, "pos unknown"},
		{positionsOff, "zone1-1", sp, ""},
	} {
		assert.Equal(t, c.want, positionText(c.mode, c.alias, c.sp), "%s %s", c.mode, c.alias)
	}
}

func TestFailureReason(t *testing.T) {
	logged := `{"time":"2026-12-06T12:00:00Z","level":"ERROR","msg":"Unknown: GetTabletMapForShard(main, 99) failed: node doesn't exist"}`
	for _, c := range []struct {
		res  dataplane.Result
		want string
	}{
		{dataplane.Result{Stderr: logged + "\n", ExitCode: 1}, "Unknown: GetTabletMapForShard(main, 99) failed: node doesn't exist"},
		{dataplane.Result{Stderr: "warming up\nconnection refused\n\n", ExitCode: 1}, "connection refused"},
		{dataplane.Result{ExitCode: 2}, "vtctldclient exited 2"},
		{dataplane.Result{Stderr: strings.Repeat("x", 400), ExitCode: 1}, strings.Repeat("x", maxReason-1) + "…"},
	} {
		assert.Equal(t, c.want, failureReason(c.res))
	}
}

// scriptedExec answers ShardReplicationPositions per shard and records
// what it ran.
type scriptedExec struct {
	mu      sync.Mutex
	answers map[string]dataplane.Result
	ran     [][]string
}

func (e *scriptedExec) Exec(_ context.Context, t dataplane.Target, argv []string) (dataplane.Result, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ran = append(e.ran, append([]string{t.Pod, t.Container}, argv...))
	res, ok := e.answers[argv[len(argv)-1]]
	if !ok {
		return dataplane.Result{}, errors.New("stream closed")
	}
	return res, nil
}

func shardNamed(name, ks, shard string) *v1alpha1.VitessShard {
	s := &v1alpha1.VitessShard{ObjectMeta: metav1.ObjectMeta{Name: name}}
	s.Spec.Keyspace, s.Spec.Name = ks, shard
	return s
}

// TestPositionsAskVtctldOncePerShard reads positions through a scripted
// vtctld pod: one command a shard, and a shard vtctld fails on, or an exec
// that breaks, gives that shard a reason without failing the others.
func TestPositionsAskVtctldOncePerShard(t *testing.T) {
	vtctld := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "vt-global-vtctld-x", Namespace: "ns",
		Labels: map[string]string{vitess.LabelCluster: "vt", vitess.LabelComponent: dataplane.VtctldContainer}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	exec := &scriptedExec{answers: map[string]dataplane.Result{
		"main/-80": {Stdout: positionsOutput},
		"main/80-": {Stderr: `{"level":"ERROR","msg":"Unknown: ReplicationStatus(zone1-5) failed: no replication status"}`, ExitCode: 1},
	}}
	c := &client{kube: fake.NewClientset(vtctld), exec: exec, namespace: "ns"}
	shards := []*v1alpha1.VitessShard{shardNamed("a", "main", "-80"), shardNamed("b", "main", "80-"), shardNamed("c", "other", "0")}
	got, reason := c.positions(context.Background(), "vt", shards)
	assert.Empty(t, reason)
	assert.Len(t, got["a"].byAlias, 3)
	assert.Equal(t, "Unknown: ReplicationStatus(zone1-5) failed: no replication status", got["b"].err)
	assert.Equal(t, "running vtctldclient in vt-global-vtctld-x: stream closed", got["c"].err)
	require.Len(t, exec.ran, 3, "one call a shard")
	for _, argv := range exec.ran {
		assert.Equal(t, []string{"vt-global-vtctld-x", "vtctld", "vtctldclient", "--server=vt-vtctld.ns.svc:15999", "ShardReplicationPositions",
			"--action-timeout=25s"}, argv[:6])
	}

	none := &client{kube: fake.NewClientset(), exec: exec, namespace: "ns"}
	got, reason = none.positions(context.Background(), "vt", shards)
	assert.Nil(t, got)
	assert.Equal(t, "cluster vt has no running vtctld pod", reason)
}

// TestRenderTreeWithPositions shows positions on every tablet row, a
// shard's reason under its tablets, and the cluster's reason at the top.
func TestRenderTreeWithPositions(t *testing.T) {
	s, rows := testShardView()
	rows[0].alias, rows[1].alias, rows[2].alias = "zone1-1", "zone1-3", "zone1-2"
	other := shardNamed("vt-main-80", "main", "80-")
	other.Status.Phase = common.PhaseReady
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "vt"}}
	byAlias, err := parsePositions(positionsOutput)
	require.NoError(t, err)
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	v := clusterView{cluster: vc, shards: []*v1alpha1.VitessShard{s, other},
		tablets:       map[string][]tabletRow{s.Name: rows, other.Name: {{pod: "vt-vttablet-zone1-5", alias: "zone1-5", pool: vitess.PoolMasterEligible}}},
		positionsMode: positionsShort,
		positions:     map[string]shardPositions{s.Name: {byAlias: byAlias}, other.Name: {err: "Unknown: no replication status"}}}
	var out bytes.Buffer
	renderTree(&out, v, now)
	want := strings.Join([]string{
		"VitessCluster vt  -  shards 0/0 ready  cells 0/0 ready",
		"└─ keyspace main",
		"   ├─ shard -80  Ready  primary vt-vttablet-zone1-1",
		"   │  ├─ zone1-1  primary  masterEligible  ready  vt-vttablet-zone1-1  node n1  pos 3e11fa47:1-57",
		"   │  ├─ zone1-3  secondary  batch  ready  vt-vttablet-zone1-3  node n3  pos no answer",
		"   │  └─ zone1-2  secondary  masterEligible  ready  vt-vttablet-zone1-2  node n2  pos 3e11fa47:1-50  behind 7  lag 7s",
		"   └─ shard 80-  Ready  primary -",
		"      ├─ zone1-5  -  masterEligible  not ready  vt-vttablet-zone1-5  node -  pos unknown",
		"      └─ positions unknown: Unknown: no replication status",
		""}, "\n")
	assert.Equal(t, want, out.String())

	out.Reset()
	renderTree(&out, clusterView{cluster: vc, positionsMode: positionsShort, positionsErr: "cluster vt has no running vtctld pod"}, now)
	assert.Contains(t, out.String(), "├─ positions unknown: cluster vt has no running vtctld pod\n")
}
