package controller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	clusterlabsv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	vitessv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

var (
	keyspaceKey = Key{Kind: KindVitessKeyspace, Namespace: "ns", Name: "ks"}
	shardKey    = Key{Kind: KindVitessShard, Namespace: "ns", Name: "ks-80"}
	rssCtl      = ref("clusterlabs.org/v1alpha1", "ReplicatedStatefulSet", "db", true)
	shardCtl    = ref("vitess.io/v1alpha1", "VitessShard", "ks-80", true)
	keyspaceCtl = ref("vitess.io/v1alpha1", "VitessKeyspace", "ks", true)
)

// meta returns object metadata with the given owner references.
func meta(ns, name string, refs ...metav1.OwnerReference) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("uid-" + name), OwnerReferences: refs}
}

// newRSS returns the ReplicatedStatefulSet ns/name.
func newRSS(name string) *clusterlabsv1alpha1.ReplicatedStatefulSet {
	return &clusterlabsv1alpha1.ReplicatedStatefulSet{ObjectMeta: meta("ns", name)}
}

// newShard returns the VitessShard ns/ks-80 with the given owners.
func newShard(refs ...metav1.OwnerReference) *vitessv1alpha1.VitessShard {
	return &vitessv1alpha1.VitessShard{ObjectMeta: meta("ns", "ks-80", refs...)}
}

// newPod returns the pod db-0 in ns with the given owners.
func newPod(ns string, refs ...metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: meta(ns, "db-0", refs...)}
}

// newRoutingRegistry returns a registry with a counting reconciler for every
// kind and its caches already synced.
func newRoutingRegistry() (*Registry, *counter) {
	c := newCounter()
	recs := map[Kind]Reconciler{}
	for _, k := range allTestKinds() {
		recs[k] = c
	}
	return NewRegistry(context.Background(), recs, time.Hour, closedChan(), nil, quietLogger()), c
}

// awaitExit waits until every goroutine of r has ended.
func awaitExit(t *testing.T, r *Registry) {
	t.Helper()
	exited := make(chan struct{})
	go func() {
		r.running.Wait()
		close(exited)
	}()
	await(t, exited, "goroutines to end")
}

// TestManagedHandlerLifecycle proves that the add or update of a managed
// object starts its goroutine and asks for a pass, and that its delete,
// plain or as a tombstone, stops it.
func TestManagedHandlerLifecycle(t *testing.T) {
	deletes := []struct {
		name string
		wrap func(obj any) any
	}{
		{"object", func(obj any) any { return obj }},
		{"tombstone", func(obj any) any { return cache.DeletedFinalStateUnknown{Key: "ns/db", Obj: obj} }},
	}
	for _, del := range deletes {
		t.Run(del.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, c := newRoutingRegistry()
				defer r.Shutdown()
				h := managedHandler(r, testGroups(), KindReplicatedStatefulSet, nil, nil)

				h.OnAdd(newRSS("db"), true)
				require.True(t, r.Running(rssKey), "add must start the goroutine")
				synctest.Wait()
				n := c.count(rssKey)
				require.GreaterOrEqual(t, n, 1)

				h.OnUpdate(newRSS("db"), newRSS("db"))
				synctest.Wait()
				assert.Equal(t, n+1, c.count(rssKey), "update must give exactly one pass")

				h.OnDelete(del.wrap(newRSS("db")))
				assert.False(t, r.Running(rssKey), "delete must stop the goroutine")
				awaitExit(t, r)
				r.Notify(rssKey)
				synctest.Wait()
				assert.Equal(t, n+1, c.count(rssKey))

				h.OnUpdate(newRSS("db"), newRSS("db"))
				assert.True(t, r.Running(rssKey), "an update seen after a missed add starts the goroutine")
			})
		})
	}
}

// TestManagedHandlerPokesOwner proves that add, update and delete of a
// managed child give its managed controlling owner one pass each.
func TestManagedHandlerPokesOwner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, c := newRoutingRegistry()
		defer r.Shutdown()
		r.Ensure(keyspaceKey)
		synctest.Wait()
		n := c.count(keyspaceKey)
		h := managedHandler(r, testGroups(), KindVitessShard, nil, nil)

		h.OnAdd(newShard(keyspaceCtl), false)
		assert.True(t, r.Running(shardKey))
		synctest.Wait()
		assert.Equal(t, n+1, c.count(keyspaceKey), "add")

		h.OnUpdate(newShard(keyspaceCtl), newShard(keyspaceCtl))
		synctest.Wait()
		assert.Equal(t, n+2, c.count(keyspaceKey), "update")

		h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/ks-80", Obj: newShard(keyspaceCtl)})
		assert.False(t, r.Running(shardKey))
		synctest.Wait()
		assert.Equal(t, n+3, c.count(keyspaceKey), "delete")
		assert.True(t, r.Running(keyspaceKey), "the owner keeps running")
	})
}

// TestOwnedHandlerPokesOwner proves which events of owned objects give a
// pass to which running managed owner: only a controller reference of a
// managed kind and group, in the object's own namespace, counts.
func TestOwnedHandlerPokesOwner(t *testing.T) {
	svc := &corev1.Service{ObjectMeta: meta("ns", "ks-80-primary", shardCtl)}
	tests := []struct {
		name  string
		event func(h cache.ResourceEventHandler)
		want  map[Key]int
	}{
		{"pod add", func(h cache.ResourceEventHandler) { h.OnAdd(newPod("ns", rssCtl), false) }, map[Key]int{rssKey: 1}},
		{"pod update", func(h cache.ResourceEventHandler) { h.OnUpdate(newPod("ns", rssCtl), newPod("ns", rssCtl)) },
			map[Key]int{rssKey: 1}},
		{"pod delete", func(h cache.ResourceEventHandler) { h.OnDelete(newPod("ns", rssCtl)) }, map[Key]int{rssKey: 1}},
		{"pod tombstone", func(h cache.ResourceEventHandler) {
			h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/db-0", Obj: newPod("ns", rssCtl)})
		}, map[Key]int{rssKey: 1}},
		{"service of a shard", func(h cache.ResourceEventHandler) { h.OnAdd(svc, false) }, map[Key]int{shardKey: 1}},
		{"non-controller owner", func(h cache.ResourceEventHandler) {
			h.OnAdd(newPod("ns", ref("clusterlabs.org/v1alpha1", "ReplicatedStatefulSet", "db", false)), false)
		}, nil},
		{"apps/v1 StatefulSet of the same name", func(h cache.ResourceEventHandler) {
			h.OnAdd(newPod("ns", ref("apps/v1", "StatefulSet", "db", true)), false)
		}, nil},
		{"owner in another namespace", func(h cache.ResourceEventHandler) { h.OnAdd(newPod("other", rssCtl), false) }, nil},
		{"owner not running", func(h cache.ResourceEventHandler) {
			h.OnAdd(newPod("ns", ref("clusterlabs.org/v1alpha1", "ReplicatedStatefulSet", "gone", true)), false)
		}, nil},
		{"no owner", func(h cache.ResourceEventHandler) { h.OnAdd(newPod("ns"), false) }, nil},
		{"not an object", func(h cache.ResourceEventHandler) { h.OnAdd("junk", false) }, nil},
		{"tombstone without object", func(h cache.ResourceEventHandler) {
			h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/db-0"})
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, c := newRoutingRegistry()
				defer r.Shutdown()
				r.Ensure(rssKey)
				r.Ensure(shardKey)
				synctest.Wait()
				before := map[Key]int{rssKey: c.count(rssKey), shardKey: c.count(shardKey)}
				total := c.total()

				tc.event(ownedHandler(r, testGroups()))
				synctest.Wait()
				sum := 0
				for _, k := range []Key{rssKey, shardKey} {
					assert.Equal(t, tc.want[k], c.count(k)-before[k], "extra passes of %s", k)
					sum += tc.want[k]
				}
				assert.Equal(t, total+sum, c.total(), "no other key may get a pass")
				assert.False(t, r.Running(Key{Kind: KindReplicatedStatefulSet, Namespace: "ns", Name: "gone"}),
					"an owned object must never start its owner's goroutine")
				assert.False(t, r.Running(Key{Kind: KindReplicatedStatefulSet, Namespace: "other", Name: "db"}))
			})
		})
	}
}

// TestManagedHandlerIgnoresNonObjects proves that payloads without object
// metadata neither panic nor start anything.
func TestManagedHandlerIgnoresNonObjects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, c := newRoutingRegistry()
		defer r.Shutdown()
		h := managedHandler(r, testGroups(), KindVitessCell, nil, nil)
		h.OnAdd("junk", false)
		h.OnUpdate(nil, 42)
		h.OnDelete(cache.DeletedFinalStateUnknown{Key: "ns/x"})
		h.OnDelete(nil)
		synctest.Wait()
		assert.Zero(t, c.total())
	})
}

// TestStatusOnlyUpdateDoesNotWakeTheObject proves that an update that
// changed only an object's status (its own pass wrote it) gives it no new
// pass, while its owner still hears of it, and that a spec or annotation
// change does give it one.
func TestStatusOnlyUpdateDoesNotWakeTheObject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, c := newRoutingRegistry()
		defer r.Shutdown()
		r.Ensure(keyspaceKey)
		h := managedHandler(r, testGroups(), KindVitessShard, nil, nil)
		old := newShard(keyspaceCtl)
		old.Generation = 3
		h.OnAdd(old, false)
		synctest.Wait()
		self, owner := c.count(shardKey), c.count(keyspaceKey)

		cur := old.DeepCopy()
		cur.Status.Phase = "Running"
		cur.ResourceVersion = "2"
		h.OnUpdate(old, cur)
		synctest.Wait()
		assert.Equal(t, self, c.count(shardKey), "a status write woke its own object")
		assert.Equal(t, owner+1, c.count(keyspaceKey), "the owner rolls the status up")

		spec := cur.DeepCopy()
		spec.Generation = 4
		h.OnUpdate(cur, spec)
		synctest.Wait()
		assert.Equal(t, self+1, c.count(shardKey), "a spec change")

		annotated := spec.DeepCopy()
		annotated.Annotations = map[string]string{"vitess.io/primary": "zone1-0000000101"}
		h.OnUpdate(spec, annotated)
		synctest.Wait()
		assert.Equal(t, self+2, c.count(shardKey), "an annotation change")
	})
}

// TestDependentsHearOnlyWhatConcernsThem proves that an update whose change
// Concerns says is nothing to the dependents does not poke them, while its
// owner still hears of it, and that creations and deletions always do.
func TestDependentsHearOnlyWhatConcernsThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, c := newRoutingRegistry()
		defer r.Shutdown()
		r.Ensure(keyspaceKey)
		dependent := Key{Kind: KindVitessShard, Namespace: "ns", Name: "other-80"}
		r.Ensure(dependent)
		deps := func(metav1.Object) ([]Key, error) { return []Key{dependent}, nil }
		concerns := func(old, obj metav1.Object) bool { return old.GetLabels()["x"] != obj.GetLabels()["x"] }
		h := managedHandler(r, testGroups(), KindVitessShard, deps, concerns)
		synctest.Wait()
		base, owner := c.count(dependent), c.count(keyspaceKey)

		old := newShard(keyspaceCtl)
		h.OnAdd(old, false)
		synctest.Wait()
		assert.Equal(t, base+1, c.count(dependent), "a creation")

		cur := old.DeepCopy()
		cur.Status.Phase = "Running"
		h.OnUpdate(old, cur)
		synctest.Wait()
		assert.Equal(t, base+1, c.count(dependent), "a change that does not concern it")
		assert.Equal(t, owner+2, c.count(keyspaceKey), "the owner hears of both")

		relabelled := cur.DeepCopy()
		relabelled.Labels = map[string]string{"x": "y"}
		h.OnUpdate(cur, relabelled)
		synctest.Wait()
		assert.Equal(t, base+2, c.count(dependent), "a change that concerns it")

		h.OnDelete(relabelled)
		synctest.Wait()
		assert.Equal(t, base+3, c.count(dependent), "a deletion")
	})
}

// TestClaimHandlerPokesTheSetOfAGrowingClaim proves a claim whose size or
// resize state changes gives a pass to the set its labels name, and that
// other claim updates give none.
func TestClaimHandlerPokesTheSetOfAGrowingClaim(t *testing.T) {
	claim := func(request, capacity string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "vtdataroot-t",
				Labels: map[string]string{replication.LabelKind: string(KindVitessShard), replication.LabelSet: "ks-80"}},
			Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(request)}}},
			Status: corev1.PersistentVolumeClaimStatus{Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(capacity)}}}
	}
	for _, tc := range []struct {
		name     string
		old, cur *corev1.PersistentVolumeClaim
		want     int
	}{
		{"the volume was expanded", claim("2Gi", "1Gi"), claim("2Gi", "2Gi"), 1},
		{"the request grew", claim("1Gi", "1Gi"), claim("2Gi", "1Gi"), 1},
		{"nothing about its size changed", claim("1Gi", "1Gi"), claim("1Gi", "1Gi"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, c := newRoutingRegistry()
				defer r.Shutdown()
				r.Ensure(shardKey)
				synctest.Wait()
				before := c.count(shardKey)
				claimHandler(r, testGroups()).OnUpdate(tc.old, tc.cur)
				synctest.Wait()
				assert.Equal(t, tc.want, c.count(shardKey)-before)
			})
		})
	}
}
