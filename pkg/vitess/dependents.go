package vitess

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/controller"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
)

// Ownership pokes a parent when its child changes. These poke the other way,
// where an object waits on another it does not own: keyspaces and shards wait
// for their cells to be in the topology, shards for their keyspace.

// cellDependents returns the keyspaces and shards of a cell's cluster.
func cellDependents(keyspaces vtlisters.VitessKeyspaceLister, shards vtlisters.VitessShardLister) func(metav1.Object) ([]controller.Key, error) {
	return func(obj metav1.Object) ([]controller.Key, error) {
		cluster := obj.GetLabels()[LabelCluster]
		if cluster == "" {
			return nil, nil
		}
		sel := labels.SelectorFromSet(labels.Set{LabelCluster: cluster})
		kss, err := keyspaces.VitessKeyspaces(obj.GetNamespace()).List(sel)
		if err != nil {
			return nil, fmt.Errorf("listing the keyspaces of cluster %s: %w", cluster, err)
		}
		var keys []controller.Key
		for _, ks := range kss {
			keys = append(keys, controller.Key{Kind: KeyspaceKind, Namespace: ks.Namespace, Name: ks.Name})
		}
		more, err := shardKeys(shards, obj.GetNamespace(), sel)
		return append(keys, more...), err
	}
}

// keyspaceDependents returns the shards of a keyspace.
func keyspaceDependents(shards vtlisters.VitessShardLister) func(metav1.Object) ([]controller.Key, error) {
	return func(obj metav1.Object) ([]controller.Key, error) {
		cluster := obj.GetLabels()[LabelCluster]
		if cluster == "" {
			return nil, nil
		}
		sel := labels.SelectorFromSet(labels.Set{LabelCluster: cluster, LabelKeyspace: obj.GetLabels()[LabelKeyspace]})
		return shardKeys(shards, obj.GetNamespace(), sel)
	}
}

func shardKeys(shards vtlisters.VitessShardLister, namespace string, sel labels.Selector) ([]controller.Key, error) {
	ss, err := shards.VitessShards(namespace).List(sel)
	if err != nil {
		return nil, fmt.Errorf("listing shards %s: %w", sel, err)
	}
	keys := make([]controller.Key, 0, len(ss))
	for _, s := range ss {
		keys = append(keys, controller.Key{Kind: ShardKind, Namespace: s.Namespace, Name: s.Name})
	}
	return keys, nil
}
