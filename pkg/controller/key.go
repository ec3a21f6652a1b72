package controller

import (
	"fmt"

	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// Kind names a kind of object that gets a goroutine per object. Each kind's
// package declares its own and registers it (Registration); this package
// names none.
type Kind string

// Registration plugs one kind into the controller: what it is called, where
// its objects come from, what runs their passes, and whom their changes
// concern.
type Registration struct {
	// Kind is the kind's name, as owner references write it.
	Kind Kind
	// Group is the kind's API group. An owner reference names a managed
	// object only when both its kind and its group match.
	Group string
	// Informer serves the kind's objects; the controller handles its events.
	Informer cache.SharedIndexInformer
	// Reconciler runs one pass of an object of the kind.
	Reconciler Reconciler
	// Dependents returns the managed objects that wait on obj and are
	// poked whenever it changes, beside its owner: keyspaces waiting for a
	// cell to be in the topology, say. Nil means none. An error is logged;
	// the objects found are poked all the same.
	Dependents func(obj metav1.Object) ([]Key, error)
	// Concerns reports whether an update of obj changed what its
	// Dependents wait on, such as a cell's registration in the topology;
	// nil means every update does. Creations and deletions always do. A
	// shard's status changes with every replica it replaces; the shards
	// that wait on its keyspace need not probe their tablets for each.
	Concerns func(old, obj metav1.Object) bool
}

// Key identifies one managed object.
type Key struct {
	Kind      Kind
	Namespace string
	Name      string
}

// String renders the key as Kind/namespace/name.
func (k Key) String() string {
	return fmt.Sprintf("%s/%s/%s", k.Kind, k.Namespace, k.Name)
}

// logFields are the keys that name the object on a log line
// (doc/design/operator.md, "Logging"): object (Kind/namespace/name) and kind.
func (k Key) logFields() logrus.Fields {
	return logrus.Fields{"object": k.String(), "kind": string(k.Kind)}
}

// groups maps each registered kind to its API group; read-only once the
// controller runs.
type groups map[Kind]string

// ownerKey returns the key of the managed object that controls obj, if any.
func (g groups) ownerKey(obj metav1.Object) (Key, bool) {
	ref := metav1.GetControllerOf(obj)
	if ref == nil {
		return Key{}, false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return Key{}, false
	}
	if group, ok := g[Kind(ref.Kind)]; !ok || group != gv.Group {
		return Key{}, false
	}
	return Key{Kind: Kind(ref.Kind), Namespace: obj.GetNamespace(), Name: ref.Name}, true
}
