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
		set := labels.Set{LabelCluster: cluster}
		var keys []controller.Key
		switch kind {
		case controller.KindVitessCell:
			kss, _ := keyspaces.VitessKeyspaces(obj.GetNamespace()).List(labels.SelectorFromSet(set))
			for _, ks := range kss {
				keys = append(keys, controller.Key{Kind: controller.KindVitessKeyspace, Namespace: ks.Namespace, Name: ks.Name})
			}
		case controller.KindVitessKeyspace:
			set[LabelKeyspace] = obj.GetLabels()[LabelKeyspace]
		default:
			return nil
		}
		ss, _ := shards.VitessShards(obj.GetNamespace()).List(labels.SelectorFromSet(set))
		for _, s := range ss {
			keys = append(keys, controller.Key{Kind: controller.KindVitessShard, Namespace: s.Namespace, Name: s.Name})
		}
		return keys
	}
}
