package vitess

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// ConditionRegistered is True on a VitessCell or VitessKeyspace once it is in
// the topology. The operator registers each once and then trusts the
// condition, so it does not ask vtctld on every pass.
const ConditionRegistered = "Registered"

// errNoVtctld means no vtctld pod of the cluster runs yet.
var errNoVtctld = errors.New("no vtctld of the cluster runs yet")

// vtctldPod returns a running vtctld pod of cluster, the same one while it
// runs (the first by name).
func vtctldPod(pods corelisters.PodLister, namespace, cluster string) (*corev1.Pod, error) {
	sel := labels.SelectorFromSet(labels.Set{LabelCluster: cluster, LabelComponent: "vtctld"})
	list, err := pods.Pods(namespace).List(sel)
	if err != nil {
		return nil, err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	for _, p := range list {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			return p, nil
		}
	}
	return nil, errNoVtctld
}

// runVtctld runs one vtctldclient command in a vtctld pod of cluster. A
// command whose output says the object exists already has done its job.
func runVtctld(ctx context.Context, exec dataplane.Executor, pods corelisters.PodLister, namespace, cluster, command string, args ...string) error {
	pod, err := vtctldPod(pods, namespace, cluster)
	if err != nil {
		return err
	}
	argv := dataplane.VtctldclientArgs(VtctldAddress(cluster, namespace), command, args...)
	res, err := exec.Exec(ctx, dataplane.Target{Namespace: namespace, Pod: pod.Name, Container: "vtctld"}, argv)
	if err != nil {
		return fmt.Errorf("vtctldclient %s: %w", command, err)
	}
	if res.ExitCode != 0 {
		if strings.Contains(res.Stderr+res.Stdout, "already exists") {
			return nil
		}
		return fmt.Errorf("vtctldclient %s exited %d: %s", command, res.ExitCode, dataplane.VtctldError(res.Stderr+res.Stdout))
	}
	return nil
}

// condition is a condition with its status given as a bool.
func condition(kind string, ok bool, reason, message string) metav1.Condition {
	st := metav1.ConditionFalse
	if ok {
		st = metav1.ConditionTrue
	}
	return metav1.Condition{Type: kind, Status: st, Reason: reason, Message: message}
}

// setStatus writes phase and conditions into st and reports whether anything
// changed; transition times stay while a condition's status does.
func setStatus(st *common.ObjectStatus, generation int64, phase string, conds ...metav1.Condition) bool {
	before := st.DeepCopy()
	st.ObservedGeneration = generation
	st.Phase = phase
	for _, c := range conds {
		c.ObservedGeneration = generation
		meta.SetStatusCondition(&st.Conditions, c)
	}
	return !equalStatus(before, st)
}

func equalStatus(a, b *common.ObjectStatus) bool {
	if a.ObservedGeneration != b.ObservedGeneration || a.Phase != b.Phase || len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for _, c := range a.Conditions {
		o := meta.FindStatusCondition(b.Conditions, c.Type)
		if o == nil || o.Status != c.Status || o.Reason != c.Reason || o.Message != c.Message || o.ObservedGeneration != c.ObservedGeneration {
			return false
		}
	}
	return true
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

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
