package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	vtlisters "github.com/vitess-operator/vitess-operator/pkg/generated/listers/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// TestShardBlockedByUnrestoredEdit: a shard of a cluster holds still while
// its generation is above the one the cluster's last write stamped (kubectl
// scale vts: the API server records the scale subresource's write with no
// time, so only the generation shows it), and goes on once the cluster's
// write restored it; a shard of no cluster is the user's to edit.
func TestShardBlockedByUnrestoredEdit(t *testing.T) {
	registered := []metav1.Condition{{Type: ConditionRegistered, Status: metav1.ConditionTrue}}
	ks := &v1alpha1.VitessKeyspace{ObjectMeta: metav1.ObjectMeta{Name: KeyspaceObjectName("vitess", "main"), Namespace: testNS}}
	ks.Status.Conditions = registered
	cell := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: CellObjectName("vitess", "zone1"), Namespace: testNS}}
	cell.Status.Conditions = registered
	objs := []runtime.Object{ks, cell}
	r := &ShardReconciler{
		keyspaces: vtlisters.NewVitessKeyspaceLister(indexer[*v1alpha1.VitessKeyspace](t, objs...)),
		cells:     vtlisters.NewVitessCellLister(indexer[*v1alpha1.VitessCell](t, objs...)),
	}
	owner := k8s.ControllerRef(&metav1.ObjectMeta{Name: "vitess", UID: "c1"}, v1alpha1.SchemeGroupVersion.WithKind("VitessCluster"))
	scaled := []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate, Subresource: "scale",
		FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:tablets":{"f:masterEligible":{"f:replicas":{}}}}}`)}}
	for _, tc := range []struct {
		name       string
		generation int64
		stamp      string
		owned      bool
		fields     []metav1.ManagedFieldsEntry
		want       string
	}{
		{name: "as the cluster wrote it", generation: 3, stamp: "3", owned: true},
		{name: "scaled since", generation: 4, stamp: "3", owned: true, fields: scaled,
			want: "spec edited by kubectl, not by the VitessCluster"},
		{name: "restored", generation: 5, stamp: "5", owned: true},
		{name: "the user's own shard", generation: 4, stamp: "3", fields: scaled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &v1alpha1.VitessShard{ObjectMeta: metav1.ObjectMeta{Name: "vitess-main-0", Namespace: testNS,
				Generation: tc.generation, Annotations: map[string]string{k8s.AnnotationSpecGeneration: tc.stamp},
				ManagedFields: tc.fields}}
			s.Spec.Cluster, s.Spec.Keyspace, s.Spec.Cells = "vitess", "main", []string{"zone1"}
			if tc.owned {
				s.OwnerReferences = []metav1.OwnerReference{owner}
			}
			got := r.blocked(s)
			if tc.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tc.want)
			}
		})
	}
}
