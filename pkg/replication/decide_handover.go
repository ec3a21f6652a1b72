package replication

// handOverGoingPrimary moves the primary role, in one planned step, off a
// primary whose pod is being deleted gracefully while the pod holds its
// termination (Spec.HoldsGoingPrimary): a node drain evicts pods, and an
// eviction is a graceful deletion. The pod's processes keep running until
// their preStop hooks return, which they do once mysqld is read-only, so
// the switchover demotes a primary that still serves, and no write it
// acknowledged is given up, where a failover after its processes stopped
// would be an emergency one.
//
// The deleting pod is not probed (it no longer runs in the engine's sense),
// so the primary is the one its role label or its last answer names; the
// switchover itself checks it (Vitess: PlannedReparentShard's
// --expected-primary). A pod on a node that stopped reporting holds
// nothing: no kubelet runs its hooks, and the failover rules take it; nor
// does a pod made before its set's pods had the hook. A member that has not
// answered for LostAfter is left to the failover rules as well.
func handOverGoingPrimary(s *Snapshot) (Action, bool) {
	if !s.Spec.HoldsGoingPrimary || !s.Spec.PlannedSwitchover || s.wantPrimaries() != 1 || len(s.primaries()) > 0 {
		return Action{}, false
	}
	for _, m := range s.Members {
		if p := m.Pod; p == nil || !p.Deleting || !p.Holds || p.NodeUnreachable || !m.formerPrimary() {
			continue
		}
		if s.unavailableFor(m) >= s.Spec.lostAfter() {
			// It has not answered for LostAfter: its pod was deleted
			// because it could not be reached (the hold would only delay
			// the fence), or the switchover kept failing (PRS needs every
			// tablet to answer). The failover rules take it.
			continue
		}
		return switchover(s, m, "the pod of primary "+m.Name+" is being deleted")
	}
	return Action{}, false
}
