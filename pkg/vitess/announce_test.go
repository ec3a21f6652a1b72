package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

func drain(rec *record.FakeRecorder) []string {
	var out []string
	for len(rec.Events) > 0 {
		out = append(out, <-rec.Events)
	}
	return out
}

// TestAnnouncerSaysEachConclusionOnce proves the cluster's Ready and
// Degraded, an ignored orchestrator and a switchover target that names no
// tablet are each one Event, not one a pass.
func TestAnnouncerSaysEachConclusionOnce(t *testing.T) {
	rec := record.NewFakeRecorder(10)
	a := newAnnouncer(rec)
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "vt", Namespace: "ns"}}
	meta.SetStatusCondition(&vc.Status.Conditions, metav1.Condition{Type: common.ConditionReady, Status: metav1.ConditionTrue,
		Reason: "Ready", Message: "2 cells and 2 shards ready"})
	a.clusterPhase(vc, common.PhaseCreating, common.PhaseReady)
	a.clusterPhase(vc, common.PhaseReady, common.PhaseReady)
	assert.Equal(t, []string{"Normal ClusterReady 2 cells and 2 shards ready"}, drain(rec))
	meta.SetStatusCondition(&vc.Status.Conditions, metav1.Condition{Type: common.ConditionReady, Status: metav1.ConditionFalse,
		Reason: "Degraded", Message: "not ready: shard main/-80"})
	a.clusterPhase(vc, common.PhaseReady, common.PhaseDegraded)
	assert.Equal(t, []string{"Warning ClusterDegraded not ready: shard main/-80"}, drain(rec))

	vc.Spec.Cells = []v1alpha1.CellSpec{{Name: "global", Orchestrator: &v1alpha1.ComponentSpec{}}}
	a.ignoredFields(vc)
	a.ignoredFields(vc)
	assert.Len(t, drain(rec), 1)

	s := &v1alpha1.VitessShard{ObjectMeta: metav1.ObjectMeta{Name: "vt-main-x-80", Namespace: "ns",
		Annotations: map[string]string{AnnotationPrimary: "zone9-1"}}}
	a.switchoverTarget(s, false)
	a.switchoverTarget(s, false)
	a.switchoverTarget(s, true)
	events := drain(rec)
	assert.Len(t, events, 1)
	assert.Contains(t, events[0], "SwitchoverTargetIgnored")
}

// TestAnnouncerWarnsOfForeignBackupsWithOwnCredentials proves a cluster
// restoring another cluster's backups with its own generated credentials
// gets one warning, and none once it names a Secret or uses its own path.
func TestAnnouncerWarnsOfForeignBackupsWithOwnCredentials(t *testing.T) {
	rec := record.NewFakeRecorder(10)
	a := newAnnouncer(rec)
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "copy", Namespace: "ns"},
		Spec: v1alpha1.VitessClusterSpec{Backup: &v1alpha1.BackupSpec{Location: v1alpha1.BackupLocation{Path: "vitess"}}}}
	a.foreignBackupCredentials(vc)
	a.foreignBackupCredentials(vc)
	events := drain(rec)
	if assert.Len(t, events, 1) {
		assert.Contains(t, events[0], "Warning CredentialsMismatch spec.backup.location.path \"vitess\"")
	}
	named := vc.DeepCopy()
	named.Name = "copy2"
	named.Spec.MySQL = &v1alpha1.MySQLSpec{CredentialsSecret: "vitess-mysql-credentials"}
	a.foreignBackupCredentials(named)
	own := vc.DeepCopy()
	own.Name, own.Spec.Backup.Location.Path = "vitess", ""
	a.foreignBackupCredentials(own)
	assert.Empty(t, drain(rec))
}
