package replication

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// knownState is a member's state from this pass's probe, or else from the
// last probe of the same pod, or "" when unknown. A pod being deleted is not
// probed and is on its way out: what it last answered no longer holds (a
// primary whose role a handover moved would still read primary).
func knownState(m *Member, mem *setMemory) dataplane.State {
	if m.Probe != nil {
		return m.Probe.State
	}
	if m.Pod != nil && !m.Pod.Deleting {
		if p, ok := mem.lastProbe(m.Ordinal, m.Pod.UID); ok {
			return p.State
		}
	}
	return ""
}

// stateAfterStep is what member m is once the pass's step succeeded, known
// being what its probe said before the step. The data plane confirms a
// seed, promotion or switchover when its command succeeds (Vitess's
// reparents return once the new primary serves and the shard record names
// it), and the engine already labels the new primary so; the status names it
// in the same pass rather than a probe later, which is what a failover is
// timed by, and the next pass's probe re-confirms it. No other member is
// reported primary after such a step: a promotion runs only once none
// answers as one, and a switchover demotes the old primary.
func stateAfterStep(m *Member, known dataplane.State, a Action) dataplane.State {
	var primary, demoted = -1, -1
	switch {
	case (a.Type == ActSeed || a.Type == ActPromote) && len(a.Members) == 1:
		primary = a.Members[0]
	case a.Type == ActSwitchover && len(a.Members) == 2:
		demoted, primary = a.Members[0], a.Members[1]
	default:
		return known
	}
	switch {
	case m.Ordinal == primary:
		return dataplane.StatePrimary
	case m.Ordinal == demoted:
		return dataplane.StateSecondary
	case known == dataplane.StatePrimary:
		return ""
	}
	return known
}

// buildReport turns a pass into the set's status: members by state, the
// phase, and the Ready, Progressing and Degraded conditions.
//
// stepDone says the pass's step succeeded: a seed, promotion or switchover
// the data plane confirmed is reported at once (stateAfterStep). growth is
// what the pass found of the claims' size (ClaimsResized).
func buildReport(set Set, snap *Snapshot, mem *setMemory, a Action, actErr error, stepDone bool, growth claimGrowth) Report {
	obj := set.Object()
	r := Report{
		Selector:           labels.SelectorFromSet(SetLabels(set.Kind(), obj.GetName())).String(),
		ObservedGeneration: obj.GetGeneration(),
		KnownGoodReplicas:  int32(snap.KnownGoodReplicas),
	}
	var missing []string
	primaries := 0
	for _, m := range snap.Members {
		if m.Pod == nil {
			if snap.desired(m) {
				missing = append(missing, m.Name)
			}
			continue
		}
		r.Replicas++
		state := knownState(m, mem)
		if stepDone {
			state = stateAfterStep(m, state, a)
		}
		switch state {
		case dataplane.StatePrimary:
			primaries++
			r.Members.Primary = append(r.Members.Primary, m.Name)
			r.Members.Ready = append(r.Members.Ready, m.Name)
		case dataplane.StateSecondary:
			r.Members.Ready = append(r.Members.Ready, m.Name)
		case dataplane.StateFailed:
			r.Members.Failed = append(r.Members.Failed, m.Name)
		default:
			r.Members.Unready = append(r.Members.Unready, m.Name)
		}
	}
	r.ReadyReplicas = int32(len(r.Members.Ready))
	healthy := len(missing) == 0 && len(r.Members.Failed) == 0 && len(r.Members.Unready) == 0 &&
		int(r.ReadyReplicas) == snap.Spec.Replicas() && primaries == snap.wantPrimaries() && int(r.Replicas) == snap.Spec.Replicas()
	switch {
	case snap.Spec.Paused:
		r.Phase = common.PhasePaused
	case healthy:
		r.Phase = common.PhaseReady
		// A set scaled to zero keeps the size it last ran with: that is
		// what the restore guard protects.
		if n := snap.Spec.Replicas(); n > 0 {
			r.KnownGoodReplicas = int32(n)
		}
	case snap.KnownGoodReplicas == 0 && primaries == 0 && a.Type != ActRefuse && len(r.Members.Failed) == 0:
		r.Phase = common.PhaseCreating
	default:
		r.Phase = common.PhaseDegraded
	}
	r.Conditions = conditions(r, snap, a, actErr, missing, claimsCondition(growth))
	return r
}

// notAnsweringNow describes the members with a pod that did not answer in
// this pass, once the pass probed: unreachable, starting, pending, lost.
func notAnsweringNow(snap *Snapshot) []string {
	if !snap.Probed {
		return nil
	}
	var out []string
	for _, m := range snap.Members {
		switch a := snap.availabilityOf(m); {
		case m.Pod == nil || a == answering || a == failed:
		default:
			out = append(out, snap.describe(m))
		}
	}
	return out
}

func conditions(r Report, snap *Snapshot, a Action, actErr error, missing []string, claims metav1.Condition) []metav1.Condition {
	ready := metav1.Condition{Type: common.ConditionReady, Status: metav1.ConditionFalse, Reason: r.Phase,
		Message: fmt.Sprintf("%d of %d members ready, %d of %d primaries", r.ReadyReplicas, snap.Spec.Replicas(), len(r.Members.Primary), snap.wantPrimaries())}
	if r.Phase == common.PhaseReady {
		ready.Status, ready.Reason = metav1.ConditionTrue, "AllMembersReady"
	}
	progressing := metav1.Condition{Type: common.ConditionProgressing, Status: metav1.ConditionFalse, Reason: "Idle", Message: a.Reason}
	switch a.Type {
	case ActNone, ActRefuse:
	case ActWait:
		progressing.Status, progressing.Reason = metav1.ConditionTrue, "Waiting"
	default:
		progressing.Status, progressing.Reason = metav1.ConditionTrue, string(a.Type)
	}
	if snap.Spec.Paused {
		progressing.Reason = "Paused"
	}
	degraded := metav1.Condition{Type: common.ConditionDegraded, Status: metav1.ConditionFalse, Reason: "AsAskedFor", Message: "no member missing or failed"}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "no pod: "+strings.Join(missing, ", "))
	}
	if len(r.Members.Failed) > 0 {
		problems = append(problems, "failed: "+strings.Join(r.Members.Failed, ", "))
	}
	if away := notAnsweringNow(snap); len(away) > 0 {
		problems = append(problems, "not answering: "+strings.Join(away, ", "))
	}
	if a.Type == ActRefuse {
		problems = append(problems, a.Reason)
		degraded.Reason = "Refused"
	}
	if actErr != nil {
		problems = append(problems, actErr.Error())
	}
	if r.Phase == common.PhaseDegraded && len(problems) > 0 {
		degraded.Status = metav1.ConditionTrue
		if degraded.Reason != "Refused" {
			degraded.Reason = "MembersUnavailable"
		}
		degraded.Message = strings.Join(problems, "; ")
	}
	out := []metav1.Condition{ready, progressing, degraded, claims}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	return out
}
