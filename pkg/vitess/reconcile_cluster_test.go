package vitess

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	vtfake "github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned/fake"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
)

// indexer holds the objects of type T among objs, as an informer's cache
// of that kind would.
func indexer[T runtime.Object](t *testing.T, objs ...runtime.Object) cache.Indexer {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, o := range objs {
		if _, ok := o.(T); ok {
			require.NoError(t, idx.Add(o))
		}
	}
	return idx
}

// TestRemoveStale proves children no longer rendered are deleted, except a
// shard that still runs tablets, its keyspace, and while such a shard is
// kept every cell; objects being deleted are left alone, and a cell and a
// keyspace that share a name are told apart.
func TestRemoveStale(t *testing.T) {
	labels := map[string]string{LabelCluster: "vitess"}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: testNS, Labels: labels}
	}
	cell := func(name string) *v1alpha1.VitessCell { return &v1alpha1.VitessCell{ObjectMeta: meta(name)} }
	ks := func(name string) *v1alpha1.VitessKeyspace { return &v1alpha1.VitessKeyspace{ObjectMeta: meta(name)} }
	shard := func(name, keyspace string, replicas int32) *v1alpha1.VitessShard {
		s := &v1alpha1.VitessShard{ObjectMeta: meta(name), Spec: v1alpha1.VitessShardSpec{Keyspace: keyspace, Name: "0"}}
		s.Status.Replicas = replicas
		return s
	}
	deleting := ks("vitess-going")
	deleting.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	for _, tc := range []struct {
		name         string
		objs         []runtime.Object
		want         Children
		wantRetained []string
		wantLeft     []string
	}{
		{
			name: "stale children go",
			objs: []runtime.Object{cell("vitess-zone1"), cell("vitess-zone2"), ks("vitess-main"), ks("vitess-old"),
				shard("vitess-main-0", "main", 3), shard("vitess-old-0", "old", 0), deleting},
			want: Children{Cells: []*v1alpha1.VitessCell{cell("vitess-zone1")}, Keyspaces: []*v1alpha1.VitessKeyspace{ks("vitess-main")},
				Shards: map[string][]*v1alpha1.VitessShard{"vitess-main": {shard("vitess-main-0", "main", 3)}}},
			wantLeft: []string{"cell vitess-zone1", "keyspace vitess-going", "keyspace vitess-main", "shard vitess-main-0"},
		},
		{
			name:         "a shard with tablets keeps its keyspace and every cell",
			objs:         []runtime.Object{cell("vitess-zone1"), cell("vitess-zone2"), ks("vitess-old"), shard("vitess-old-0", "old", 2)},
			want:         Children{Cells: []*v1alpha1.VitessCell{cell("vitess-zone1")}},
			wantRetained: []string{"old/0"},
			wantLeft:     []string{"cell vitess-zone1", "cell vitess-zone2", "keyspace vitess-old", "shard vitess-old-0"},
		},
		{
			name:     "a cell's name does not keep a keyspace",
			objs:     []runtime.Object{cell("vitess-main"), ks("vitess-main")},
			want:     Children{Cells: []*v1alpha1.VitessCell{cell("vitess-main")}},
			wantLeft: []string{"cell vitess-main"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := vtfake.NewSimpleClientset(tc.objs...)
			r := &ClusterReconciler{d: Deps{Client: client},
				cells:     vtlisters.NewVitessCellLister(indexer[*v1alpha1.VitessCell](t, tc.objs...)),
				keyspaces: vtlisters.NewVitessKeyspaceLister(indexer[*v1alpha1.VitessKeyspace](t, tc.objs...)),
				shards:    vtlisters.NewVitessShardLister(indexer[*v1alpha1.VitessShard](t, tc.objs...))}
			vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "vitess", Namespace: testNS}}
			retained, err := r.removeStale(t.Context(), vc, tc.want)
			require.NoError(t, err)
			assert.Equal(t, tc.wantRetained, retained)
			assert.Equal(t, tc.wantLeft, left(t, client))
		})
	}
}

// left names the cells, keyspaces and shards the client still holds.
func left(t *testing.T, client *vtfake.Clientset) []string {
	var out []string
	cells, err := client.VitessV1alpha1().VitessCells(testNS).List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	for _, c := range cells.Items {
		out = append(out, "cell "+c.Name)
	}
	kss, err := client.VitessV1alpha1().VitessKeyspaces(testNS).List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	for _, k := range kss.Items {
		out = append(out, "keyspace "+k.Name)
	}
	shards, err := client.VitessV1alpha1().VitessShards(testNS).List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	for _, s := range shards.Items {
		out = append(out, "shard "+s.Name)
	}
	return out
}
