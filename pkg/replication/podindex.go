package replication

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// IndexBySet names the pod informer's index of pods by the set whose labels
// they carry (LabelKind and LabelSet, in their namespace).
const IndexBySet = "replication.set"

// PodIndexers are the indexers the pod informer must have for SetPods; add
// them before the informer starts.
func PodIndexers() cache.Indexers { return cache.Indexers{IndexBySet: indexBySet} }

// indexBySet files a pod under its set, when it carries a set's labels.
func indexBySet(obj any) ([]string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("indexing by set: %w", err)
	}
	kind, set := m.GetLabels()[LabelKind], m.GetLabels()[LabelSet]
	if kind == "" || set == "" {
		return nil, nil
	}
	return []string{setIndexKey(m.GetNamespace(), kind, set)}, nil
}

func setIndexKey(namespace, kind, setLabel string) string {
	return namespace + "/" + kind + "/" + setLabel
}

// SetPods lists the pods that carry a set's labels from the pod informer's
// IndexBySet index. A pass reads its own set's pods instead of matching a
// selector against every pod in the namespace, which at hundreds of sets made
// each pass cost as much as the namespace is large.
type SetPods struct{ indexer cache.Indexer }

// NewSetPods reads from indexer, which must have PodIndexers.
func NewSetPods(indexer cache.Indexer) SetPods { return SetPods{indexer: indexer} }

// List returns the pods with the labels of set name of kind in namespace
// (SetLabels), whatever their state.
func (s SetPods) List(namespace, kind, name string) ([]*corev1.Pod, error) {
	objs, err := s.indexer.ByIndex(IndexBySet, setIndexKey(namespace, kind, k8s.LabelValue(name)))
	if err != nil {
		return nil, fmt.Errorf("listing the pods of %s %s/%s: %w", kind, namespace, name, err)
	}
	pods := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			pods = append(pods, p)
		}
	}
	return pods, nil
}
