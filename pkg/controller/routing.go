package controller

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// metaOf returns the object metadata of an informer event payload, looking
// through the tombstone a delete may arrive as.
func metaOf(obj any) (metav1.Object, bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(metav1.Object)
	return m, ok
}

// managedHandler routes events of a managed kind: an object that appears or
// changes gets its goroutine started and poked, one that is deleted gets it
// stopped. Its controlling owner, if managed too, is poked either way so it
// can roll the child's status up.
func managedHandler(r *Registry, g groups, kind Kind, deps func(metav1.Object) ([]Key, error),
	concerns func(old, obj metav1.Object) bool) cache.ResourceEventHandler {
	notifyOthers := func(old, m metav1.Object) {
		if owner, ok := g.ownerKey(m); ok {
			r.Notify(owner)
		}
		if deps != nil && (old == nil || concerns == nil || concerns(old, m)) {
			keys, err := deps(m)
			if err != nil {
				r.log.WithError(err).WithFields(Key{Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()}.logFields()).
					Warn("finding the objects that wait on this one")
			}
			for _, k := range keys {
				r.Notify(k)
			}
		}
	}
	ensure := func(obj any) {
		m, ok := metaOf(obj)
		if !ok {
			return
		}
		r.Ensure(Key{Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()})
		notifyOthers(nil, m)
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: ensure,
		UpdateFunc: func(old, obj any) {
			m, ok := metaOf(obj)
			if !ok {
				return
			}
			o, ok := metaOf(old)
			if !ok {
				ensure(obj)
				return
			}
			// A pass writes its own object's status; that write must not
			// wake the object again, or a status that changes with every
			// failed pass would defeat the retry backoff. Its owner and
			// dependents still hear of it.
			if !onlyStatusChanged(o, m) {
				r.Ensure(Key{Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()})
			}
			notifyOthers(o, m)
		},
		DeleteFunc: func(obj any) {
			m, ok := metaOf(obj)
			if !ok {
				return
			}
			r.Remove(Key{Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()})
			notifyOthers(nil, m)
		},
	}
}

// ownedHandler routes events of an object a managed kind owns, such as a
// pod or a claim, to the goroutine of its controlling owner.
func ownedHandler(r *Registry, g groups) cache.ResourceEventHandler {
	notify := func(obj any) {
		m, ok := metaOf(obj)
		if !ok {
			return
		}
		if owner, ok := g.ownerKey(m); ok {
			r.Notify(owner)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    notify,
		UpdateFunc: func(_, obj any) { notify(obj) },
		DeleteFunc: notify,
	}
}

// claimHandler pokes the replicated set a claim belongs to, named by the
// claim's labels, when the claim's size or resize state changes, when its
// deletion starts and when it is gone: a claim is owned by its set only
// under a Delete retention policy (so ownedHandler may not see it); the
// growth of a set's claims (replication/claims_growth.go) goes on when the
// storage system has expanded the last one, and a member whose claim was
// deleted with its pod is made again once the claim is gone. Other claim
// updates poke nobody.
func claimHandler(r *Registry, g groups) cache.ResourceEventHandler {
	notify := func(cur *corev1.PersistentVolumeClaim) {
		kind, set := Kind(cur.Labels[replication.LabelKind]), cur.Labels[replication.LabelSet]
		if _, managed := g[kind]; managed && set != "" {
			r.Notify(Key{Kind: kind, Namespace: cur.Namespace, Name: set})
		}
	}
	return cache.ResourceEventHandlerFuncs{UpdateFunc: func(oldObj, obj any) {
		old, ok := oldObj.(*corev1.PersistentVolumeClaim)
		cur, ok2 := obj.(*corev1.PersistentVolumeClaim)
		if !ok || !ok2 || metav1.GetControllerOf(cur) != nil {
			return
		}
		if sizeChanged(old, cur) || (old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) {
			notify(cur)
		}
	}, DeleteFunc: func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		if cur, ok := obj.(*corev1.PersistentVolumeClaim); ok && metav1.GetControllerOf(cur) == nil {
			notify(cur)
		}
	}}
}

// sizeChanged reports whether a claim's request, capacity or conditions
// (FileSystemResizePending) changed.
func sizeChanged(old, cur *corev1.PersistentVolumeClaim) bool {
	return !old.Spec.Resources.Requests.Storage().Equal(*cur.Spec.Resources.Requests.Storage()) ||
		!old.Status.Capacity.Storage().Equal(*cur.Status.Capacity.Storage()) ||
		len(old.Status.Conditions) != len(cur.Status.Conditions)
}

// onlyStatusChanged reports whether an update left everything a pass reads
// of its own object as it was: the spec (its generation), labels,
// annotations, owners and deletion.
func onlyStatusChanged(old, cur metav1.Object) bool {
	return old.GetGeneration() == cur.GetGeneration() &&
		old.GetDeletionTimestamp().Equal(cur.GetDeletionTimestamp()) &&
		equalMaps(old.GetLabels(), cur.GetLabels()) &&
		equalMaps(old.GetAnnotations(), cur.GetAnnotations()) &&
		len(old.GetOwnerReferences()) == len(cur.GetOwnerReferences()) &&
		old.GetGeneration() != 0
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
