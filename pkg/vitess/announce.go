package vitess

import (
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// announcer emits the Events that say what the operator concluded, once
// each: a cluster turning Ready or Degraded, and a field it ignores. It
// remembers what it announced per object, so a pass that concludes the same
// again writes no Event (the recorder would count each repeat with a write).
type announcer struct {
	recorder record.EventRecorder
	mu       sync.Mutex
	said     map[string]string
}

func newAnnouncer(recorder record.EventRecorder) *announcer {
	return &announcer{recorder: recorder, said: map[string]string{}}
}

// once emits an Event about obj under key unless the same text was the
// last one emitted under key.
func (a *announcer) once(key string, obj runtime.Object, kind, reason, msg string) {
	a.mu.Lock()
	same := a.said[key] == reason+": "+msg
	a.said[key] = reason + ": " + msg
	a.mu.Unlock()
	if !same && a.recorder != nil {
		a.recorder.Event(obj, kind, reason, msg)
	}
}

// forget drops what was announced of namespace/name.
func (a *announcer) forget(namespace, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, suffix := range []string{"/phase", "/ignored", "/switchover", "/credentials"} {
		delete(a.said, namespace+"/"+name+suffix)
	}
}

// clusterPhase announces a cluster that became Ready, or left Ready for
// Degraded, with the Ready condition's message.
func (a *announcer) clusterPhase(vc *v1alpha1.VitessCluster, before, after string) {
	if before == after {
		return
	}
	msg := ""
	if c := meta.FindStatusCondition(vc.Status.Conditions, common.ConditionReady); c != nil {
		msg = c.Message
	}
	key := vc.Namespace + "/" + vc.Name + "/phase"
	switch after {
	case common.PhaseReady:
		a.once(key, vc, corev1.EventTypeNormal, "ClusterReady", msg)
	case common.PhaseDegraded:
		a.once(key, vc, corev1.EventTypeWarning, "ClusterDegraded", msg)
	}
}

// ignoredFields announces the fields of a cluster the operator accepts but
// does not use.
func (a *announcer) ignoredFields(vc *v1alpha1.VitessCluster) {
	for i, c := range vc.Spec.Cells {
		if c.Orchestrator != nil {
			a.once(vc.Namespace+"/"+vc.Name+"/ignored", vc, corev1.EventTypeWarning, "FieldIgnored",
				fmt.Sprintf("spec.cells[%d].orchestrator is accepted for Metacontroller manifests and not used: the operator fails over shards itself", i))
			return
		}
	}
}

// switchoverTarget announces a shard whose vitess.io/primary annotation
// names no tablet of it.
func (a *announcer) switchoverTarget(s *v1alpha1.VitessShard, found bool) {
	want := s.Annotations[AnnotationPrimary]
	if want == "" || found {
		return
	}
	a.once(s.Namespace+"/"+s.Name+"/switchover", s, corev1.EventTypeWarning, "SwitchoverTargetIgnored",
		fmt.Sprintf("annotation %s=%s names no tablet of this shard (give a tablet alias or pod name); no switchover is made", AnnotationPrimary, want))
}

// foreignBackupCredentials warns about a cluster that restores another
// cluster's backups (its backup path is not its own name) with credentials
// generated for itself: the restored tablets hold the other cluster's
// accounts, which refuse the new password, so replicas do not replicate.
func (a *announcer) foreignBackupCredentials(vc *v1alpha1.VitessCluster) {
	loc := resolveLocation(vc)
	if loc == nil || loc.Path == vc.Name || (vc.Spec.MySQL != nil && vc.Spec.MySQL.CredentialsSecret != "") {
		return
	}
	a.once(vc.Namespace+"/"+vc.Name+"/credentials", vc, corev1.EventTypeWarning, "CredentialsMismatch",
		fmt.Sprintf("spec.backup.location.path %q holds another cluster's backups, whose tablets' MySQL accounts come with them; "+
			"name that cluster's credentials Secret in spec.mysql.credentialsSecret, or replicas restored from them cannot log in to their primary", loc.Path))
}
