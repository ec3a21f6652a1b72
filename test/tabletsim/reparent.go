package main

import (
	"fmt"
	"strings"
)

// reparent is what both reparents start from: the shard, its records and
// the tablets vtctld can reach.
type reparent struct {
	ks, shard string
	sh        shardRecord
	recs      []tabletRecord
	pods      map[string]tablet
	newAlias  string
}

// begin reads a reparent's shard and checks --expected-primary against the
// shard record before anything else, with Vitess's words
// (go/vt/vtctl/reparentutil/planned_reparenter.go, emergency_reparenter.go).
func (v vtctld) begin(cmd string, flags map[string]string, pos []string) (*reparent, error) {
	ks, shard, err := keyspaceShard(cmd, pos)
	if err != nil {
		return nil, err
	}
	pods, err := v.syncTablets()
	if err != nil {
		return nil, err
	}
	r := &reparent{ks: ks, shard: shard, pods: pods, newAlias: flags["new-primary"]}
	if r.sh, err = v.topo.shard(ks, shard); err != nil {
		return nil, err
	}
	if want := flags["expected-primary"]; want != "" && want != r.sh.PrimaryAlias {
		return nil, errorf("FailedPrecondition", "primary %s is not equal to expected alias %s", orNil(r.sh.PrimaryAlias), want)
	}
	if _, ok := durabilityKnown(v.topo.durability(ks)); !ok {
		return nil, fmt.Errorf("durability policy %s not found", v.topo.durability(ks))
	}
	if r.recs, err = v.topo.tablets(ks, shard); err != nil {
		return nil, err
	}
	if r.record(r.newAlias) == nil {
		return nil, errorf("InvalidArgument", "primary-elect tablet %s is not in the shard", r.newAlias)
	}
	return r, nil
}

func orNil(s string) string {
	if s == "" {
		return "<nil>"
	}
	return s
}

// durabilityKnown says whether Vitess knows the policy.
func durabilityKnown(p string) (string, bool) {
	switch p {
	case "none", "semi_sync", "cross_cell", "semi_sync_with_rdonly_ack", "cross_cell_with_rdonly_ack":
		return p, true
	}
	return p, false
}

func (r *reparent) record(alias string) *tabletRecord {
	for i := range r.recs {
		if r.recs[i].Alias == alias {
			return &r.recs[i]
		}
	}
	return nil
}

// currentPrimary is the PRIMARY record with the newest term (util.go
// FindCurrentPrimary), or nil.
func (r *reparent) currentPrimary() *tabletRecord {
	var cur *tabletRecord
	for i := range r.recs {
		if rec := &r.recs[i]; rec.Type == typePrimary && (cur == nil || rec.Term > cur.Term) {
			cur = rec
		}
	}
	return cur
}

// promote makes the new primary writable, a PRIMARY with a new term and no
// replication (PromoteReplica / InitPrimary), and records it in the shard.
func (v vtctld) promote(r *reparent, from state) error {
	t := r.pods[r.newAlias]
	if _, err := t.update(func(st *state) error {
		st.replicate(from)
		st.Journal++ // PopulateReparentJournal
		st.Writable, st.ReplSource, st.ReplSourceUUID, st.ReplRunning = true, "", "", false
		return nil
	}); err != nil {
		return err
	}
	term := newTerm(r.sh.Term)
	rec := r.record(r.newAlias)
	rec.Type, rec.Term = typePrimary, term
	if err := v.topo.putTablet(*rec); err != nil {
		return err
	}
	return v.topo.putShard(r.ks, r.shard, shardRecord{PrimaryAlias: r.newAlias, Term: term})
}

// repoint points the other tablets at the new primary (reparentTablets /
// reparentReplicas: SetReplicationSource), skipping those in skip; a
// PRIMARY-typed record becomes a REPLICA. It returns the tablets it could
// not reach.
func (v vtctld) repoint(r *reparent, skip map[string]bool, forceStart func(alias string) bool) ([]string, error) {
	primary := r.pods[r.newAlias]
	var failed []string
	for i := range r.recs {
		rec := &r.recs[i]
		if rec.Alias == r.newAlias || skip[rec.Alias] {
			continue
		}
		t, ok := reachable(r.pods, rec.Alias)
		if !ok {
			failed = append(failed, rec.Alias)
			continue
		}
		if rec.Type == typePrimary {
			rec.Type, rec.Term = typeReplica, 0
			if err := v.topo.putTablet(*rec); err != nil {
				return nil, err
			}
		}
		st, err := t.load()
		if err != nil {
			return nil, err
		}
		if err := v.setSource(t, primary, st.ReplSource == "" || forceStart(rec.Alias), true); err != nil {
			return nil, err
		}
	}
	return failed, nil
}

// plannedReparent is PlannedReparentShard: every recorded tablet must
// answer first; a shard that never had a primary gets one (InitPrimary);
// otherwise the new primary catches up with the current one, which is
// demoted (read-only) before the new one is promoted; every other tablet is
// then pointed at it, and any that cannot be is an error after the fact.
func (v vtctld) plannedReparent(flags map[string]string, pos []string) error {
	r, err := v.begin("PlannedReparentShard", flags, pos)
	if err != nil {
		return err
	}
	all := map[string]bool{}
	for _, rec := range r.recs {
		if _, ok := reachable(r.pods, rec.Alias); !ok {
			return deadline() // verifyAllTabletsReachable
		}
		all[rec.Alias] = true
	}
	if !v.canEstablish(r, all) {
		return errorf("FailedPrecondition", "primary-elect tablet %s won't be able to make forward progress on promotion", r.newAlias)
	}
	cur := r.currentPrimary()
	var from state
	switch {
	case cur != nil && cur.Alias == r.newAlias:
		_, err := r.pods[r.newAlias].update(func(st *state) error { st.Writable = true; return nil })
		return err
	case cur != nil:
		if err := v.caughtUp(r, cur.Alias); err != nil {
			return err
		}
		st, err := r.pods[cur.Alias].update(func(st *state) error { st.Writable = false; return nil })
		if err != nil {
			return err
		}
		from = st
	case r.sh.Term != 0:
		// No PRIMARY record but the shard had one: every tablet is demoted
		// and the new primary must hold what each of them holds.
		for _, rec := range r.recs {
			st, err := r.pods[rec.Alias].update(func(st *state) error { st.Writable = false; return nil })
			if err != nil {
				return err
			}
			nst, _ := r.pods[r.newAlias].load()
			if !nst.gtids().Contains(st.gtids()) {
				return errorf("FailedPrecondition", "tablet %s contains transactions not found in primary-elect %s", rec.Alias, r.newAlias)
			}
		}
	}
	if err := v.promote(r, from); err != nil {
		return err
	}
	failed, err := v.repoint(r, nil, func(string) bool { return false })
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return errorf("Unknown", "some replicas failed to reparent; retry PlannedReparentShard with the same new primary alias (%s) to retry failed replicas", r.newAlias)
	}
	return nil
}

// caughtUp is PRS's wait, before it demotes the current primary, for the
// primary-elect to replicate up to the primary's position
// (planned_reparenter.go performGracefulPromotion: SetReplicationSource
// with a wait for the snapshot position): one that lacks transactions and
// whose login the primary refuses never gets them.
func (v vtctld) caughtUp(r *reparent, primary string) error {
	pst, err := r.pods[primary].load()
	if err != nil {
		return err
	}
	cand := r.pods[r.newAlias]
	cst, err := cand.load()
	if err != nil {
		return err
	}
	if cst.gtids().Contains(pst.gtids()) || replAuthError(cand.member, r.pods[primary].name, pst) == "" {
		return nil
	}
	// Real vtctld v24 (MariaDB tier, TestMySQLCredentials) wraps the wait's deadline in an Unknown error.
	return errorf("Unknown", "replication on primary-elect %s did not catch up in time; replication must be healthy to perform PlannedReparent: "+
		"rpc error: code = DeadlineExceeded desc = context deadline exceeded", r.newAlias)
}

// canEstablish reports whether enough of the tablets in among would
// acknowledge the new primary's writes for it to commit under the
// keyspace's policy (durability_funcs.go canEstablishForTablet).
func (v vtctld) canEstablish(r *reparent, among map[string]bool) bool {
	policy := v.topo.durability(r.ks)
	if policy == "none" {
		return true
	}
	p := *r.record(r.newAlias)
	for _, a := range r.recs {
		if a.Alias != p.Alias && among[a.Alias] && acks(policy, p, a) {
			return true
		}
	}
	return false
}

// acks reports whether tablet a acknowledges the writes of primary p under
// a policy (policy/durability.go IsReplicaSemiSync).
func acks(policy string, p, a tabletRecord) bool {
	cross := cellOf(p.Alias) != cellOf(a.Alias)
	switch policy {
	case "semi_sync":
		return a.Type != typeRdonly
	case "semi_sync_with_rdonly_ack":
		return true
	case "cross_cell":
		return a.Type != typeRdonly && cross
	case "cross_cell_with_rdonly_ack":
		return cross
	}
	return false
}

func cellOf(alias string) string { return alias[:strings.LastIndex(alias, "-")] }
