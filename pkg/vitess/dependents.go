package vitess

import (
	"fmt"
	"maps"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
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

// registrationChanged reports whether an update of a cell or a keyspace
// changed what waits on it: whether it is in the topology (the Registered
// condition), its labels (which say whose it is), or its deletion. A
// keyspace's status changes with every tablet its shards replace, and each
// poke of a shard is a probe of its tablets.
func registrationChanged(old, obj metav1.Object) bool {
	if old.GetDeletionTimestamp().IsZero() != obj.GetDeletionTimestamp().IsZero() || !maps.Equal(old.GetLabels(), obj.GetLabels()) {
		return true
	}
	was, okOld := registered(old)
	is, okNew := registered(obj)
	return !okOld || !okNew || was != is
}

// registered reads the Registered condition of a cell or a keyspace; its
// second result is false for any other object.
func registered(obj metav1.Object) (bool, bool) {
	switch o := obj.(type) {
	case *v1alpha1.VitessCell:
		return isTrue(o.Status.Conditions, ConditionRegistered), true
	case *v1alpha1.VitessKeyspace:
		return isTrue(o.Status.Conditions, ConditionRegistered), true
	}
	return false, false
}
