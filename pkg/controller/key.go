package controller

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	clusterlabsv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	vitessv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// Kind names one of the object kinds that get a goroutine of their own.
type Kind string

// The kinds the operator runs a goroutine for, one per object.
const (
	KindVitessCluster         Kind = "VitessCluster"
	KindVitessCell            Kind = "VitessCell"
	KindVitessKeyspace        Kind = "VitessKeyspace"
	KindVitessShard           Kind = "VitessShard"
	KindReplicatedStatefulSet Kind = "ReplicatedStatefulSet"
)

// AllKinds lists every managed kind.
func AllKinds() []Kind {
	return []Kind{KindVitessCluster, KindVitessCell, KindVitessKeyspace, KindVitessShard, KindReplicatedStatefulSet}
}

// groupOf maps each managed kind to its API group, so an owner reference is
// recognised as ours only when both match.
func groupOf(k Kind) string {
	if k == KindReplicatedStatefulSet {
		return clusterlabsv1alpha1.GroupName
	}
	return vitessv1alpha1.GroupName
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

// ownerKey returns the key of the managed object that controls obj, if any.
func ownerKey(obj metav1.Object) (Key, bool) {
	ref := metav1.GetControllerOf(obj)
	if ref == nil {
		return Key{}, false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return Key{}, false
	}
	for _, k := range AllKinds() {
		if string(k) == ref.Kind && groupOf(k) == gv.Group {
			return Key{Kind: k, Namespace: obj.GetNamespace(), Name: ref.Name}, true
		}
	}
	return Key{}, false
}
