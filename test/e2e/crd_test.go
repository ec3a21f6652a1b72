package e2e

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	vitessv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestKubectlGetVitessListsOurKinds checks the vitess category and the short
// names through kubectl, as users type them.
func TestKubectlGetVitessListsOurKinds(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	ns := cluster.NewNamespace(t)
	createExamples(ctx, t, ns)
	shard := &vitessv1alpha1.VitessShard{
		ObjectMeta: metav1.ObjectMeta{Name: "vitess-main-x-80"},
		Spec: vitessv1alpha1.VitessShardSpec{
			Cluster: "vitess", Keyspace: "main", Name: "-80", Cells: []string{"zone1"},
			KeyRange: &vitessv1alpha1.KeyRange{End: "80"},
			Tablets:  vitessv1alpha1.TabletsSpec{MasterEligible: &vitessv1alpha1.TabletPool{Replicas: 2}},
		},
	}
	_, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Create(ctx, shard, metav1.CreateOptions{})
	require.NoError(t, err)

	out, err := cluster.Kubectl(ctx, "-n", ns, "get", "vitess", "-o", "name")
	require.NoError(t, err)
	for _, want := range []string{
		"vitesscluster.vitess.io/vitess",
		"vitessshard.vitess.io/vitess-main-x-80",
		"replicatedstatefulset.clusterlabs.org/example",
	} {
		assert.Contains(t, out, want)
	}
	for _, short := range []string{"vt", "vtc", "vtk", "vts", "rss"} {
		_, err := cluster.Kubectl(ctx, "-n", ns, "get", short)
		assert.NoError(t, err, "short name %s", short)
	}
	out, err = cluster.Kubectl(ctx, "-n", ns, "get", "rss")
	require.NoError(t, err)
	for _, col := range []string{"PHASE", "DESIRED", "READY", "PRIMARY", "AGE"} {
		assert.Contains(t, strings.Fields(strings.Split(out, "\n")[0]), col)
	}
}

// TestScaleSubresource scales a ReplicatedStatefulSet with kubectl scale and
// a VitessShard through its scale subresource.
func TestScaleSubresource(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	ns := cluster.NewNamespace(t)
	createExamples(ctx, t, ns)
	_, err := cluster.Kubectl(ctx, "-n", ns, "scale", "rss/example", "--replicas=5")
	require.NoError(t, err)
	rss, err := cluster.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(ns).Get(ctx, "example", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(5), rss.Spec.Replicas)

	shard := &vitessv1alpha1.VitessShard{
		ObjectMeta: metav1.ObjectMeta{Name: "vitess-main-0"},
		Spec: vitessv1alpha1.VitessShardSpec{
			Cluster: "vitess", Keyspace: "main", Name: "0", Cells: []string{"zone1"},
			Tablets: vitessv1alpha1.TabletsSpec{MasterEligible: &vitessv1alpha1.TabletPool{Replicas: 2}},
		},
	}
	_, err = cluster.Client.VitessV1alpha1().VitessShards(ns).Create(ctx, shard, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = cluster.Kubectl(ctx, "-n", ns, "scale", "vts/vitess-main-0", "--replicas=3")
	require.NoError(t, err)
	got, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Get(ctx, "vitess-main-0", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(3), got.Spec.Tablets.MasterEligible.Replicas)
}

// undocumented lists the fields of a schema, by path, that have no description.
func undocumented(path string, s *apiextv1.JSONSchemaProps) []string {
	var missing []string
	if s.Description == "" && path != "" {
		missing = append(missing, path)
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := s.Properties[name]
		missing = append(missing, undocumented(path+"."+name, &p)...)
	}
	if s.Items != nil && s.Items.Schema != nil {
		for _, m := range undocumented(path+"[]", s.Items.Schema) {
			if m != path+"[]" { // an item's description is its list's
				missing = append(missing, m)
			}
		}
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		for _, m := range undocumented(path+"{}", s.AdditionalProperties.Schema) {
			if m != path+"{}" {
				missing = append(missing, m)
			}
		}
	}
	return missing
}

// TestEveryFieldIsDocumented checks, on the CRDs the API server serves, that
// every field of every kind has a description for kubectl explain, and that
// kubectl explain vitesscluster.spec.keyspaces shows each field with it.
func TestEveryFieldIsDocumented(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	crds, err := cluster.CRDs()
	require.NoError(t, err)
	for _, local := range crds {
		crd, err := cluster.APIExtensions.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, local.Name, metav1.GetOptions{})
		require.NoError(t, err)
		for _, v := range crd.Spec.Versions {
			schema := v.Schema.OpenAPIV3Schema
			for _, top := range []string{"spec", "status"} {
				prop := schema.Properties[top]
				assert.Empty(t, undocumented(top, &prop), "%s %s: fields without a description", crd.Name, v.Name)
			}
		}
	}

	out, err := cluster.Kubectl(ctx, "explain", "vitesscluster.spec.keyspaces")
	require.NoError(t, err)
	crd, err := cluster.APIExtensions.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, "vitessclusters.vitess.io", metav1.GetOptions{})
	require.NoError(t, err)
	item := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["keyspaces"].Items.Schema
	for name, p := range item.Properties {
		assert.Contains(t, out, name, "kubectl explain does not list %s", name)
		firstWords := strings.Join(strings.Fields(p.Description)[:4], " ")
		assert.Contains(t, strings.Join(strings.Fields(out), " "), firstWords, "kubectl explain does not describe %s", name)
	}
}

// TestStatusIsASubresource checks that a spec write cannot change status and
// a status write cannot change spec, for every kind.
func TestStatusIsASubresource(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, time.Minute)
	ns := cluster.NewNamespace(t)
	for gvr, obj := range createExamples(ctx, t, ns) {
		ri := cluster.Dynamic.Resource(gvr).Namespace(ns)
		upd := obj.DeepCopy()
		require.NoError(t, unstructured.SetNestedField(upd.Object, "Hacked", "status", "phase"))
		got, err := ri.Update(ctx, upd, metav1.UpdateOptions{})
		require.NoError(t, err)
		phase, _, _ := unstructured.NestedString(got.Object, "status", "phase")
		assert.NotEqual(t, "Hacked", phase, "%s: status changed through the main resource", gvr.Resource)
	}
}
