package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/vitess-operator/vitess-operator/test/framework"
)

// TestExamplesAreAccepted applies every manifest under example/ and checks
// the API server stores each object.
func TestExamplesAreAccepted(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	ns := cluster.NewNamespace(t)
	files, err := filepath.Glob(filepath.Join(cluster.Root, "example", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		objs, err := framework.ReadManifests(f)
		require.NoError(t, err, f)
		for _, obj := range objs {
			ri, err := cluster.ResourceFor(obj, ns)
			require.NoError(t, err, f)
			_, err = ri.Create(ctx, obj, metav1.CreateOptions{FieldValidation: "Strict"})
			require.NoError(t, err, "%s: %s %s", filepath.Base(f), obj.GetKind(), obj.GetName())
		}
	}
}

// invalidCase is one manifest that admission must refuse.
type invalidCase struct {
	name   string
	base   string                   // example file the manifest starts from
	mutate func(obj map[string]any) // what makes it invalid
	field  string                   // the field the error must name
	msg    string                   // a phrase the error must contain
}

func invalidCases() []invalidCase {
	vt, rss := "my-vitess.yaml", "cluster.yaml"
	ranges := func(bounds ...[2]string) []any {
		var shards []any
		for _, b := range bounds {
			shards = append(shards, map[string]any{"keyRange": map[string]any{"start": b[0], "end": b[1]}})
		}
		return shards
	}
	set := func(path string, v any) func(map[string]any) {
		return func(o map[string]any) { setPath(o, path, v) }
	}
	shards := "spec.keyspaces[0].shards"
	return []invalidCase{
		{"negative tablet replicas", vt, set("spec.keyspaces[0].tablets.masterEligible.replicas", -1),
			"spec.keyspaces[0].tablets.masterEligible.replicas", "greater than or equal to 0"},
		{"negative vtgate replicas", vt, set("spec.cells[1].vtgate.replicas", -2),
			"spec.cells[1].vtgate.replicas", "greater than or equal to 0"},
		{"upper-case hex bound", vt, set(shards+"[1].keyRange.start", "8A"),
			shards + "[1].keyRange.start", "should match"},
		{"odd-length hex bound", vt, set(shards+"[0].keyRange.end", "8"),
			shards + "[0].keyRange.end", "should match"},
		{"start not below end", vt, set(shards, ranges([2]string{"", "40"}, [2]string{"80", "40"}, [2]string{"40", ""})),
			shards + "[1].keyRange", "keyRange.start must be less than keyRange.end"},
		{"gap between shards", vt, set(shards, ranges([2]string{"", "40"}, [2]string{"80", ""})),
			shards, "neither overlap nor leave gaps"},
		{"overlapping shards", vt, set(shards, ranges([2]string{"", "80"}, [2]string{"40", ""})),
			shards, "neither overlap nor leave gaps"},
		{"two shards at the beginning", vt, set(shards, ranges([2]string{"", "80"}, [2]string{"", "80"}, [2]string{"80", ""})),
			shards, "exactly one shard's keyRange must start at the beginning"},
		{"named and ranged shards mixed", vt, set(shards, []any{map[string]any{"name": "0"}, map[string]any{"keyRange": map[string]any{"start": "", "end": ""}}}),
			shards, "either all key ranges or all named"},
		{"shard with name and key range", vt, set(shards, []any{map[string]any{"name": "x", "keyRange": map[string]any{"start": "", "end": ""}}}),
			shards + "[0]", "either keyRange or name"},
		{"keyspace in an unknown cell", vt, set("spec.keyspaces[0].cells", []any{"zone9"}),
			"spec.keyspaces", "must be a cell in spec.cells"},
		{"tablets in the global cell", vt, set("spec.keyspaces[0].cells", []any{"global"}),
			"spec.keyspaces[0].cells[0]", "tablets do not run in the global cell"},
		{"no global cell", vt, set("spec.cells[0].name", "zone0"),
			"spec.cells", "exactly one cell named global"},
		{"two cells of one name", vt, func(o map[string]any) {
			cells := getPath(o, "spec.cells").([]any)
			setPath(o, "spec.cells", append(cells, map[string]any{"name": "zone1"}))
		}, "spec.cells[2]", "Duplicate value"},
		{"cell name not a DNS label", vt, set("spec.cells[1].name", "Zone_1"),
			"spec.cells[1].name", "should match"},
		{"etcd and external lockserver together", vt, set("spec.cells[1].lockserver", map[string]any{"external": map[string]any{"address": "etcd:2379", "rootPath": "/vitess/zone1"}}),
			"spec.cells[1]", "either etcd or lockserver"},
		{"etcd with no members", vt, set("spec.cells[0].etcd.size", 0),
			"spec.cells[0].etcd.size", "greater than or equal to 1"},
		{"reconcileInterval not a duration", vt, set("spec.reconcileInterval", "soon"),
			"spec.reconcileInterval", "should match"},
		{"reconcileInterval too short", vt, set("spec.reconcileInterval", "100ms"),
			"spec.reconcileInterval", "at least 1s"},
		{"unknown failover mode", vt, set("spec.failover.mode", "Sometimes"),
			"spec.failover.mode", "Unsupported value"},
		{"cluster name too long", vt, set("metadata.name", "a-very-long-cluster-name-indeed"),
			"metadata.name", "at most 24 characters"},
		{"misspelt field", vt, set("spec.cells[1].vtgatee", map[string]any{"replicas": 1}),
			"spec.cells[1].vtgatee", "unknown field"},
		{"missing status command", rss, func(o map[string]any) { deletePath(o, "spec.pod.commands.status") },
			"spec.pod.commands.status", "Required value"},
		{"empty sequence command", rss, set("spec.pod.commands.sequence.command", []any{}),
			"spec.pod.commands.sequence.command", "at least 1 items"},
		{"empty word in stop command", rss, set("spec.pod.commands.stop.command", []any{""}),
			"spec.pod.commands.stop.command[0]", "at least 1 chars"},
		{"more primaries than replicas", rss, set("spec.primaries", 4),
			"spec.primaries", "must not exceed spec.replicas"},
		{"negative replicas", rss, set("spec.replicas", -1),
			"spec.replicas", "greater than or equal to 0"},
		{"no containers", rss, set("spec.pod.containers", []any{}),
			"spec.pod.containers", "at least 1 items"},
		{"command timeout not a duration", rss, set("spec.pod.commands.status.timeout", "a minute"),
			"spec.pod.commands.status.timeout", "should match"},
	}
}

// TestInvalidManifestsAreRejected checks that admission refuses each bad
// manifest with an error naming the offending field, and stores nothing.
func TestInvalidManifestsAreRejected(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 2*time.Minute)
	ns := cluster.NewNamespace(t)
	cases := invalidCases()
	require.GreaterOrEqual(t, len(cases), 15)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := framework.ReadManifests(filepath.Join(cluster.Root, "example", tc.base))
			require.NoError(t, err)
			obj := objs[0]
			obj.SetName("invalid")
			tc.mutate(obj.Object)
			ri, err := cluster.ResourceFor(obj, ns)
			require.NoError(t, err)
			_, err = ri.Create(ctx, obj, metav1.CreateOptions{FieldValidation: "Strict"})
			require.Error(t, err, "the API server accepted the manifest")
			assert.True(t, apierrors.IsInvalid(err) || apierrors.IsBadRequest(err), "want 422 or 400, got %v", err)
			assert.Contains(t, err.Error(), tc.field, "the error does not name the field")
			assert.Contains(t, err.Error(), tc.msg)
			_, err = ri.Get(ctx, "invalid", metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "a rejected object was stored")
		})
	}
}

// TestDefaultsAreApplied checks that the defaults in the schema reach a
// minimal object, so the operator never sees the fields unset.
func TestDefaultsAreApplied(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	ns := cluster.NewNamespace(t)
	objs, err := framework.ReadManifests(filepath.Join(cluster.Root, "example", "cluster.yaml"))
	require.NoError(t, err)
	obj := objs[0]
	deletePath(obj.Object, "spec.replicas")
	deletePath(obj.Object, "spec.reconcileInterval")
	got, err := cluster.Create(ctx, ns, obj)
	require.NoError(t, err)
	replicas, _, _ := unstructured.NestedInt64(got.Object, "spec", "replicas")
	interval, _, _ := unstructured.NestedString(got.Object, "spec", "reconcileInterval")
	assert.Equal(t, int64(3), replicas)
	assert.Equal(t, "30s", interval)
}
