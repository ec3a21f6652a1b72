package replication

import (
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// maxSettledStretch bounds how far a settled set's safety-net interval
// stretches: ×4, two minutes for the default 30 s.
const maxSettledStretch = 4

// settledPass reports whether a pass found the set settled: nothing to do,
// Ready, and every member's pod ready and staying. Only such passes stretch
// the safety-net interval.
func settledPass(snap *Snapshot, a Action, r Report) bool {
	if a.Type != ActNone || snap.Refused != "" || r.Phase != common.PhaseReady {
		return false
	}
	for _, m := range snap.Members {
		if p := m.Pod; !p.Running() || !p.Ready || p.NodeUnreachable {
			return false
		}
	}
	return true
}

// safetyNetInterval is when the next safety-net pass of a set is due after
// settled consecutive settled passes: the reconcile interval, doubled per
// settled pass up to ×maxSettledStretch. The engine counts settled passes
// only for sets whose pods' readiness shows a failed member
// (Spec.ReadinessShowsFailures): there a failure is a pod update, which
// starts a pass at once, and the safety net is left with what no event
// shows (a replica whose replication stopped, say). A set whose readiness
// says nothing of its data plane keeps its reconcile interval. Any pass
// that is not settled starts over at the reconcile interval.
func safetyNetInterval(base time.Duration, settled int) time.Duration {
	stretch := 1
	for i := 0; i < settled && stretch < maxSettledStretch; i++ {
		stretch *= 2
	}
	return base * time.Duration(min(stretch, maxSettledStretch))
}
