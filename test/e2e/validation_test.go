package e2e

import (
	"path/filepath"
	"strings"
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

// TestInvalidManifestsAreRejected checks that admission refuses each bad
// manifest with an error naming the offending field, and stores nothing.
// Each case starts from a manifest that is accepted as it is (checked
// first), so the refusal is the mutation's doing.
func TestInvalidManifestsAreRejected(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 3*time.Minute)
	ns := cluster.NewNamespace(t)
	cases := invalidCases()
	require.GreaterOrEqual(t, len(cases), 40)
	bases := map[string]bool{}
	for _, tc := range cases {
		bases[tc.base] = true
	}
	for base := range bases {
		obj := readBase(t, base)
		obj.SetName("valid-" + strings.ToLower(obj.GetKind()))
		ri, err := cluster.ResourceFor(obj, ns)
		require.NoError(t, err)
		_, err = ri.Create(ctx, obj, metav1.CreateOptions{FieldValidation: "Strict"})
		require.NoError(t, err, "the base %s of the cases is refused itself", base)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := readBase(t, tc.base)
			obj.SetName("invalid")
			tc.mutate(obj.Object)
			ri, err := cluster.ResourceFor(obj, ns)
			require.NoError(t, err)
			_, err = ri.Create(ctx, obj, metav1.CreateOptions{FieldValidation: "Strict"})
			require.Error(t, err, "the API server accepted the manifest")
			assert.True(t, apierrors.IsInvalid(err) || apierrors.IsBadRequest(err), "want 422 or 400, got %v", err)
			assert.Contains(t, err.Error(), tc.field, "the error does not name the field")
			assert.Contains(t, err.Error(), tc.msg)
			_, err = ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
			assert.True(t, apierrors.IsNotFound(err), "a rejected object was stored")
		})
	}
}

// readBase reads the first object of a case's base manifest: a file of
// example/, or of test/e2e/testdata/ when the name says so.
func readBase(t *testing.T, base string) *unstructured.Unstructured {
	t.Helper()
	path := filepath.Join(cluster.Root, "example", base)
	if strings.HasPrefix(base, "testdata/") {
		path = filepath.Join(cluster.Root, "test", "e2e", base)
	}
	objs, err := framework.ReadManifests(path)
	require.NoError(t, err)
	require.NotEmpty(t, objs, path)
	return objs[0]
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
