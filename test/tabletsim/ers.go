package main

import (
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane/position"
)

// emergencyReparent is EmergencyReparentShard (emergency_reparenter.go,
// replication.go): stop replication on every tablet not ignored, demoting
// one that still acts as a primary; go on only when at most the shard's
// primary failed to answer, or the durability policy shows the tablets that
// did not answer cannot commit; catch the new primary up with the most
// advanced valid tablet reached (rdonly ones and a demoted primary too) by
// replication from it, promote it, and point the others at it.
func (v vtctld) emergencyReparent(flags map[string]string, pos []string) error {
	r, err := v.begin("EmergencyReparentShard", flags, pos)
	if err != nil {
		return err
	}
	ignored := map[string]bool{}
	for _, a := range strings.Split(flags["ignore-replicas"], ",") {
		if a != "" {
			ignored[a] = true
		}
	}
	reached, failed, wasRunning, demoted, err := v.stopReplicationEverywhere(r, ignored)
	if err != nil {
		return err
	}
	if len(failed) > 1 || (len(failed) == 1 && failed[0] != r.sh.PrimaryAlias) {
		if !v.revoked(r, reached) {
			return errorf("Unknown", "failed to stop replication and build status maps: could not reach sufficient tablets to guarantee safety: "+
				"tablets %s did not answer", strings.Join(failed, ", "))
		}
	}
	valid, err := v.withoutErrant(r, reached, demoted)
	if err != nil {
		return err
	}
	if _, ok := valid[r.newAlias]; !ok {
		return errorf("Unknown", "requested primary elect %s has errant GTIDs", r.newAlias)
	}
	if t := r.pods[r.newAlias]; t.initType() == typeRdonly {
		return errorf("Unknown", "proposed primary %s has a must not promotion rule", r.newAlias)
	}
	if !v.canEstablish(r, reached) {
		// filterValidCandidates: a primary nobody reached would acknowledge
		// could never commit under the policy.
		// Vitess raises it as Aborted; vtctldclient reports it as Unknown.
		return errorf("Unknown", "proposed primary %s will not be able to make forward progress on being promoted", r.newAlias)
	}
	var most state
	var mostAlias string
	for alias, st := range valid {
		switch g := st.gtids(); {
		case g.Contains(most.gtids()):
			most, mostAlias = st, alias
		case !most.gtids().Contains(g):
			return errorf("Unknown", "split brain detected between servers - %s and %s", mostAlias, alias)
		}
	}
	if nst := valid[r.newAlias]; !nst.gtids().Contains(most.gtids()) {
		if err := v.catchUpThrough(r, mostAlias, ignored, wasRunning); err != nil {
			return err
		}
	}
	if err := v.promote(r, most); err != nil {
		return err
	}
	_, err = v.repoint(r, ignored, func(a string) bool { return wasRunning[a] })
	return err
}

// withoutErrant returns the state of each tablet reached that ERS keeps as
// a candidate (reparentutil/emergency_reparenter.go, findErrantGTIDs). The
// tablets that hold the most reparent journal rows are checked against
// each other: a tablet's transactions that none of the others holds, less
// those of the source it replicates from (its last writes may have reached
// this tablet alone), are errant. A tablet among them that answered as a
// primary (demoted: it is in ERS's primary status map, not its replication
// status map) is not checked: it is the latest primary, the source of what
// the others hold. A lagged tablet, one that has not seen
// every promotion (a tablet made anew, empty), is checked against those
// tablets with no source left out. A tablet with an errant GTID, or with a
// zero position, is no candidate: ERS neither promotes it nor catches the
// new primary up from it.
func (v vtctld) withoutErrant(r *reparent, reached, demoted map[string]bool) (map[string]state, error) {
	states := map[string]state{}
	maxLen := 0
	for alias := range reached {
		st, err := r.pods[alias].load()
		if err != nil {
			return nil, err
		}
		states[alias] = st
		maxLen = max(maxLen, st.Journal)
	}
	valid := map[string]state{}
	latest := position.GTIDSet{}
	for alias, st := range states {
		if st.Journal != maxLen || st.zero() {
			continue
		}
		if demoted[alias] {
			valid[alias] = st
			latest = latest.Union(st.gtids())
			continue
		}
		others := position.GTIDSet{}
		for other, ost := range states {
			if other != alias && ost.Journal == maxLen {
				others = others.Union(ost.gtids())
			}
		}
		if others.Empty() || errantOf(st.gtids(), others, st.ReplSourceUUID).Empty() {
			valid[alias] = st
			latest = latest.Union(st.gtids())
		}
	}
	for alias, st := range states {
		if st.Journal == maxLen || st.zero() {
			continue
		}
		if latest.Empty() || errantOf(st.gtids(), latest, "").Empty() {
			valid[alias] = st
		}
	}
	return valid, nil
}

// errantOf is what of own none of others holds, less the transactions of
// source (go/mysql/replication, FindErrantGTIDs).
func errantOf(own, others position.GTIDSet, source string) position.GTIDSet {
	errant := own.Minus(others)
	if source != "" {
		errant = errant.WithoutServer(source)
	}
	return errant
}

// stopReplicationEverywhere stops the replication threads of every tablet
// not ignored that answers, and demotes one that answers without
// replication (a primary still running: DemotePrimary, read-only). It
// returns the tablets reached, those that did not answer, which were
// replicating and which were demoted.
func (v vtctld) stopReplicationEverywhere(r *reparent, ignored map[string]bool) (reached map[string]bool, failed []string, running, demoted map[string]bool, err error) {
	reached, running, demoted = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, rec := range r.recs {
		if ignored[rec.Alias] {
			continue
		}
		t, ok := reachable(r.pods, rec.Alias)
		if !ok {
			failed = append(failed, rec.Alias)
			continue
		}
		if _, err := t.update(func(st *state) error {
			running[rec.Alias] = st.ReplRunning
			if st.ReplSource == "" {
				st.Writable = false
				demoted[rec.Alias] = true
			}
			st.ReplRunning = false
			return nil
		}); err != nil {
			return nil, nil, nil, nil, err
		}
		reached[rec.Alias] = true
	}
	return reached, failed, running, demoted, nil
}

// catchUpThrough is ERS with a new primary that lacks what the most
// advanced valid tablet (the intermediate source) holds
// (promoteIntermediateSource, then waitForCatchUp): every tablet reached
// but the source is pointed at it, its replication started only if it ran
// before ERS stopped it (ReplicaWasRunning), and the new primary must then
// hold what the source holds. One whose replication was not running never
// catches up: ERS times out waiting (wait-replicas-timeout) and fails,
// the source left demoted and the others pointed at it.
func (v vtctld) catchUpThrough(r *reparent, source string, ignored, wasRunning map[string]bool) error {
	src := r.pods[source]
	for _, rec := range r.recs {
		if rec.Alias == source || ignored[rec.Alias] {
			continue
		}
		t, ok := reachable(r.pods, rec.Alias)
		if !ok {
			continue
		}
		if err := v.setSource(t, src, wasRunning[rec.Alias], false); err != nil {
			return err
		}
	}
	nst, err := r.pods[r.newAlias].load()
	if err != nil {
		return err
	}
	sst, err := src.load()
	if err != nil {
		return err
	}
	if !nst.gtids().Contains(sst.gtids()) {
		return errorf("DeadlineExceeded", "WaitSourcePos failed: timed out waiting for position %s", positionOf(sst.gtids()))
	}
	return nil
}

// revoked is ERS's safety check (durability_funcs.go haveRevoked): every
// tablet that could be a primary (a PRIMARY or REPLICA record, ignored ones
// too) was reached, or enough of the tablets that would acknowledge its
// writes were reached that it can no longer commit.
func (v vtctld) revoked(r *reparent, reached map[string]bool) bool {
	policy := v.topo.durability(r.ks)
	ackers := 0
	if policy != "none" {
		ackers = 1
	}
	for _, p := range r.recs {
		if p.Type == typeRdonly || reached[p.Alias] {
			continue
		}
		if ackers == 0 {
			return false
		}
		unreached := 0
		for _, a := range r.recs {
			if a.Alias != p.Alias && acks(policy, p, a) && !reached[a.Alias] {
				unreached++
			}
		}
		if unreached >= ackers {
			return false
		}
	}
	return true
}
