package vitess

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// Labels on every object the operator makes for a cluster: they select a
// component's pods and let the controller find a cluster's children.
const (
	LabelCluster   = "vitess.io/cluster"
	LabelCell      = "vitess.io/cell"
	LabelKeyspace  = "vitess.io/keyspace"
	LabelShard     = "vitess.io/shard"
	LabelPool      = "vitess.io/pool"
	LabelComponent = "vitess.io/component"
)

// Components, the values of LabelComponent.
const (
	componentEtcd = "etcd"
	// componentVtctld names vtctld's container too, the one topology
	// commands run in.
	componentVtctld   = dataplane.VtctldContainer
	componentVtgate   = "vtgate"
	componentVttablet = "vttablet"
	// componentBackup labels the claim of a volume backup store.
	componentBackup = "backup"
)

// componentLabels select the pods of one component of a cell.
func componentLabels(cluster, cell, component string) map[string]string {
	return map[string]string{LabelCluster: cluster, LabelCell: cell, LabelComponent: component}
}

// vtctldLabels select every vtctld pod of a cluster, whichever cell runs it.
func vtctldLabels(cluster string) map[string]string {
	return map[string]string{LabelCluster: cluster, LabelComponent: componentVtctld}
}

// childLabels are the labels of a cluster's child objects: the template's
// labels, then the operator's, which win.
func childLabels(vc *v1alpha1.VitessCluster, extra map[string]string) map[string]string {
	extra[LabelCluster] = vc.Name
	return templateLabels(vc.Spec.Template, extra)
}

// templateLabels returns the template's labels with the operator's on top.
func templateLabels(t *v1alpha1.ChildTemplate, operator map[string]string) map[string]string {
	l := map[string]string{}
	if t != nil {
		for k, v := range t.Metadata.Labels {
			l[k] = v
		}
	}
	for k, v := range operator {
		l[k] = v
	}
	return l
}

// templateAnnotations returns a copy of the template's annotations, or nil.
func templateAnnotations(t *v1alpha1.ChildTemplate) map[string]string {
	if t == nil || len(t.Metadata.Annotations) == 0 {
		return nil
	}
	a := make(map[string]string, len(t.Metadata.Annotations))
	for k, v := range t.Metadata.Annotations {
		a[k] = v
	}
	return a
}

// podMeta is the metadata of a pod template: the cluster template's labels
// and annotations, with the operator's labels on top.
func podMeta(t *v1alpha1.ChildTemplate, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: templateLabels(t, labels), Annotations: templateAnnotations(t)}
}
