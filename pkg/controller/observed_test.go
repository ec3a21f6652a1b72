package controller

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"

	clusterlabsv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	vitessv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	vtfake "github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned/fake"
)

// observedKind describes how to make, cache and find one managed kind.
type observedKind struct {
	kind     Kind
	gvr      schema.GroupVersionResource
	newObj   func() StatusObject
	informer func(inf *Informers) cache.SharedIndexInformer
}

// observedKinds describes every managed kind.
func observedKinds() []observedKind {
	vt := func(resource string) schema.GroupVersionResource {
		return vitessv1alpha1.SchemeGroupVersion.WithResource(resource)
	}
	return []observedKind{
		{KindReplicatedStatefulSet, clusterlabsv1alpha1.SchemeGroupVersion.WithResource("replicatedstatefulsets"),
			func() StatusObject { return &clusterlabsv1alpha1.ReplicatedStatefulSet{} },
			func(inf *Informers) cache.SharedIndexInformer {
				return inf.Vitess.Clusterlabs().V1alpha1().ReplicatedStatefulSets().Informer()
			}},
		{KindVitessCluster, vt("vitessclusters"),
			func() StatusObject { return &vitessv1alpha1.VitessCluster{} },
			func(inf *Informers) cache.SharedIndexInformer {
				return inf.Vitess.Vitess().V1alpha1().VitessClusters().Informer()
			}},
		{KindVitessCell, vt("vitesscells"),
			func() StatusObject { return &vitessv1alpha1.VitessCell{} },
			func(inf *Informers) cache.SharedIndexInformer {
				return inf.Vitess.Vitess().V1alpha1().VitessCells().Informer()
			}},
		{KindVitessKeyspace, vt("vitesskeyspaces"),
			func() StatusObject { return &vitessv1alpha1.VitessKeyspace{} },
			func(inf *Informers) cache.SharedIndexInformer {
				return inf.Vitess.Vitess().V1alpha1().VitessKeyspaces().Informer()
			}},
		{KindVitessShard, vt("vitessshards"),
			func() StatusObject { return &vitessv1alpha1.VitessShard{} },
			func(inf *Informers) cache.SharedIndexInformer {
				return inf.Vitess.Vitess().V1alpha1().VitessShards().Informer()
			}},
	}
}

// object returns a new object of k named ns/x at generation gen whose status
// has observed generation observed.
func (k observedKind) object(gen, observed int64) StatusObject {
	obj := k.newObj()
	obj.SetNamespace("ns")
	obj.SetName("x")
	obj.SetGeneration(gen)
	obj.CommonStatus().ObservedGeneration = observed
	return obj
}

// fixture builds the fake clients and informers: cached objects are in the
// informer's indexer, stored ones in the fake API server. No informer runs.
func (k observedKind) fixture(t *testing.T, cached, stored []StatusObject) (Reconciler, *vtfake.Clientset) {
	t.Helper()
	objs := make([]runtime.Object, 0, len(stored))
	for _, o := range stored {
		objs = append(objs, o.DeepCopyObject())
	}
	client := vtfake.NewSimpleClientset(objs...)
	inf := NewInformers(kubefake.NewClientset(), client, "ns", 0)
	for _, o := range cached {
		require.NoError(t, k.informer(inf).GetIndexer().Add(o))
	}
	rec, ok := ObservedGenerationRecorders(inf, client)[k.kind]
	require.True(t, ok, "no recorder for %s", k.kind)
	return rec, client
}

// TestObservedGenerationRecorderWritesWhenStale proves that for every kind a
// pass whose cached status lags metadata.generation writes exactly one
// status update setting observedGeneration, leaving the cache untouched.
func TestObservedGenerationRecorderWritesWhenStale(t *testing.T) {
	for _, k := range observedKinds() {
		t.Run(string(k.kind), func(t *testing.T) {
			obj := k.object(3, 1)
			rec, client := k.fixture(t, []StatusObject{obj}, []StatusObject{obj})

			res, err := rec.Reconcile(t.Context(), Key{Kind: k.kind, Namespace: "ns", Name: "x"})
			require.NoError(t, err)
			assert.Equal(t, Result{}, res)

			actions := client.Actions()
			require.Len(t, actions, 1)
			upd, ok := actions[0].(k8stesting.UpdateAction)
			require.True(t, ok, "want an update, got %#v", actions[0])
			assert.Equal(t, "update", upd.GetVerb())
			assert.Equal(t, "status", upd.GetSubresource())
			assert.Equal(t, k.gvr, upd.GetResource())
			assert.Equal(t, "ns", upd.GetNamespace())
			sent := upd.GetObject().(StatusObject)
			assert.Equal(t, "x", sent.GetName())
			assert.Equal(t, int64(3), sent.CommonStatus().ObservedGeneration)

			stored, err := client.Tracker().Get(k.gvr, "ns", "x")
			require.NoError(t, err)
			assert.Equal(t, int64(3), stored.(StatusObject).CommonStatus().ObservedGeneration)
			assert.Equal(t, int64(1), obj.CommonStatus().ObservedGeneration, "the cached object must not be mutated")
		})
	}
}

// TestObservedGenerationRecorderNoWrite proves that a pass writes nothing,
// and succeeds, when the status is current or the object is not cached.
func TestObservedGenerationRecorderNoWrite(t *testing.T) {
	for _, k := range observedKinds() {
		tests := []struct {
			name   string
			cached []StatusObject
		}{
			{"current", []StatusObject{k.object(4, 4)}},
			{"missing", nil},
			{"other object cached", []StatusObject{func() StatusObject { o := k.object(2, 1); o.SetName("y"); return o }()}},
		}
		for _, tc := range tests {
			t.Run(string(k.kind)+"/"+tc.name, func(t *testing.T) {
				rec, client := k.fixture(t, tc.cached, []StatusObject{k.object(4, 1)})
				res, err := rec.Reconcile(t.Context(), Key{Kind: k.kind, Namespace: "ns", Name: "x"})
				require.NoError(t, err)
				assert.Equal(t, Result{}, res)
				assert.Empty(t, client.Actions(), "no API call may be made")
			})
		}
	}
}

// TestObservedGenerationRecorderUpdateError proves that a failed status
// write is returned as the pass's error, naming the object.
func TestObservedGenerationRecorderUpdateError(t *testing.T) {
	for _, k := range observedKinds() {
		t.Run(string(k.kind), func(t *testing.T) {
			obj := k.object(2, 1)
			rec, client := k.fixture(t, []StatusObject{obj}, []StatusObject{obj})
			errConflict := errors.New("conflict on purpose")
			client.PrependReactor("update", k.gvr.Resource, func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, errConflict
			})
			key := Key{Kind: k.kind, Namespace: "ns", Name: "x"}
			_, err := rec.Reconcile(context.Background(), key)
			require.ErrorIs(t, err, errConflict)
			assert.Contains(t, err.Error(), key.String())
		})
	}
}
