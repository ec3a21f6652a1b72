package vitess

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// ConditionRegistered is True on a VitessCell or VitessKeyspace once it is in
// the topology. The operator registers each once and then trusts the
// condition, so it does not ask vtctld on every pass.
const ConditionRegistered = "Registered"

// condition is a condition with its status given as a bool.
func condition(kind string, ok bool, reason, message string) metav1.Condition {
	st := metav1.ConditionFalse
	if ok {
		st = metav1.ConditionTrue
	}
	return metav1.Condition{Type: kind, Status: st, Reason: reason, Message: message}
}

// isTrue reports whether a condition is True.
func isTrue(conds []metav1.Condition, kind string) bool {
	return meta.IsStatusConditionTrue(conds, kind)
}

// nextPhase is Ready when ready; otherwise Creating for an object that was
// never Ready, Degraded for one that was.
func nextPhase(ready bool, previous string) string {
	switch {
	case ready:
		return common.PhaseReady
	case previous == common.PhaseReady || previous == common.PhaseDegraded:
		return common.PhaseDegraded
	}
	return common.PhaseCreating
}

// readiness returns the Ready, Progressing and Degraded conditions of an
// object in phase; msg says what is missing, okMsg what is there when nothing is.
func readiness(ready bool, phase, msg, okMsg string) []metav1.Condition {
	return []metav1.Condition{
		condition(common.ConditionReady, ready, phase, orDefault(msg, okMsg)),
		condition(common.ConditionProgressing, phase == common.PhaseCreating, phase, msg),
		condition(common.ConditionDegraded, phase == common.PhaseDegraded, phase, msg),
	}
}

// orDefault is s, or def when s is empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
