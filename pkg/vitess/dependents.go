package vitess

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/controller"
)

// Dependents pokes the objects that wait on a cell or a keyspace: keyspaces
// and shards wait for their cells to be in the topology, shards for their
// keyspace. Ownership already pokes the other way, child to parent.
func Dependents(inf *controller.Informers) controller.Dependents {
	vt := inf.Vitess.Vitess().V1alpha1()
	keyspaces, shards := vt.VitessKeyspaces().Lister(), vt.VitessShards().Lister()
	return func(kind controller.Kind, obj metav1.Object) []controller.Key {
		cluster := obj.GetLabels()[LabelCluster]
		if cluster == "" {
			return nil
		}
		ns := obj.GetNamespace()
		set := labels.Set{LabelCluster: cluster}
		var keys []controller.Key
		switch kind {
		case controller.KindVitessCell:
			keys = dependentKeys(controller.KindVitessKeyspace, set, keyspaces.VitessKeyspaces(ns).List)
		case controller.KindVitessKeyspace:
			set[LabelKeyspace] = obj.GetLabels()[LabelKeyspace]
		default:
			return nil
		}
		return append(keys, dependentKeys(controller.KindVitessShard, set, shards.VitessShards(ns).List)...)
	}
}

// dependentKeys are the keys of the objects of kind that list finds with
// the labels in set. Should the lister fail, every object of the kind in
// the namespace is poked instead: a pass of an object with nothing to wait
// for changes nothing, while a dependent left unpoked would wait for the
// safety-net pass (controller.Config.Resync). Should that fail too, nothing
// is left to try here and that pass is what remains. (The informer cache's
// List does not fail in practice: without its namespace index it scans.)
func dependentKeys[T metav1.Object](kind controller.Kind, set labels.Set, list func(labels.Selector) ([]T, error)) []controller.Key {
	objs, err := list(labels.SelectorFromSet(set))
	if err != nil {
		objs, _ = list(labels.Everything())
	}
	keys := make([]controller.Key, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, controller.Key{Kind: kind, Namespace: o.GetNamespace(), Name: o.GetName()})
	}
	return keys
}
