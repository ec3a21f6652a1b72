package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// find returns the member with alias among tablets.
func find(tablets []member, alias string) (member, bool) {
	for _, t := range tablets {
		if t.env["TABLET_ALIAS"] == alias {
			return t, true
		}
	}
	return member{}, false
}

// primaryOf returns the tablet that runs as primary, if any.
func primaryOf(tablets []member) (member, state, bool) {
	for _, t := range tablets {
		if st, err := t.load(); err == nil && st.Role == rolePrimary && !t.has(markerCrash) {
			return t, st, true
		}
	}
	return member{}, state{}, false
}

// reparentArgs reads --new-primary and the keyspace/shard of a reparent.
func (v vtctld) reparentArgs(cmd string, flags map[string]string, pos []string) ([]member, member, error) {
	ksShard, err := exactlyOne(cmd, pos)
	if err != nil {
		return nil, member{}, err
	}
	tablets, err := v.tablets(ksShard)
	if err != nil {
		return nil, member{}, err
	}
	alias := flags["new-primary"]
	target, ok := find(tablets, alias)
	if !ok {
		return nil, member{}, fmt.Errorf("tablet %q is not a tablet of %s", alias, ksShard)
	}
	if target.env["TABLET_TYPE"] == "rdonly" {
		return nil, member{}, fmt.Errorf("tablet %s is rdonly and cannot be promoted", alias)
	}
	if target.has(markerCrash) {
		return nil, member{}, fmt.Errorf("tablet %s is not reachable", alias)
	}
	return tablets, target, nil
}

// promote makes target the primary holding gtids, and points every other
// reachable tablet that replicated at it; stopped tablets stay stopped.
func (v vtctld) promote(tablets []member, target member, gtids dataplane.GTIDSet, ksShard string) error {
	if _, err := target.update(func(st *state) error {
		st.absorb(gtids)
		st.Role, st.Source, st.Pod = rolePrimary, "", target.uid
		return nil
	}); err != nil {
		return err
	}
	for _, t := range tablets {
		if t.name == target.name || t.has(markerCrash) {
			continue
		}
		if _, err := t.update(func(st *state) error {
			if st.Role == rolePrimary || st.Role == roleSecondary {
				st.Role, st.Source, st.Pod = roleSecondary, target.name, t.uid
			}
			return nil
		}); err != nil {
			return err
		}
	}
	ks, shard, _ := strings.Cut(ksShard, "/")
	return writeJSON(filepath.Join(v.topo, "shards", ks, shard+".json"), map[string]string{"primary_alias": target.env["TABLET_ALIAS"]})
}

// plannedReparent is PlannedReparentShard: the current primary, if any, must
// be the expected one; the new primary first catches up with it, then takes
// over, and the old one follows it. It also initialises a shard with no primary.
func (v vtctld) plannedReparent(flags map[string]string, pos []string) error {
	tablets, target, err := v.reparentArgs("PlannedReparentShard", flags, pos)
	if err != nil {
		return err
	}
	gtids := dataplane.GTIDSet{}
	if old, st, ok := primaryOf(tablets); ok {
		if want := flags["expected-primary"]; want != "" && old.env["TABLET_ALIAS"] != want {
			return fmt.Errorf("primary of the shard is %s, not the expected %s", old.env["TABLET_ALIAS"], want)
		}
		gtids = st.gtids()
	} else if want := flags["expected-primary"]; want != "" {
		return fmt.Errorf("the shard has no running primary, expected %s", want)
	}
	return v.promote(tablets, target, gtids, pos[0])
}

// emergencyReparent is EmergencyReparentShard: the old primary is taken for
// dead; the new primary first takes every transaction a reachable tablet of
// the shard holds, rdonly ones included, as Vitess does from the relay logs
// of the most advanced.
func (v vtctld) emergencyReparent(flags map[string]string, pos []string) error {
	tablets, target, err := v.reparentArgs("EmergencyReparentShard", flags, pos)
	if err != nil {
		return err
	}
	gtids := dataplane.GTIDSet{}
	for _, t := range tablets {
		if t.has(markerCrash) {
			continue
		}
		if st, err := t.load(); err == nil {
			gtids = gtids.Union(st.gtids())
		}
	}
	return v.promote(tablets, target, gtids, pos[0])
}

func (v vtctld) startReplication(_ map[string]string, pos []string) error {
	alias, err := exactlyOne("StartReplication", pos)
	if err != nil {
		return err
	}
	t, err := v.tablet(alias)
	if err != nil {
		return err
	}
	tablets, err := v.tablets(t.env["TABLET_KEYSPACE"] + "/" + t.env["TABLET_SHARD"])
	if err != nil {
		return err
	}
	primary, _, ok := primaryOf(tablets)
	if !ok {
		return fmt.Errorf("shard of %s has no primary to replicate from", alias)
	}
	if primary.name == t.name {
		return fmt.Errorf("tablet %s is the primary", alias)
	}
	s := sim{self: t, reg: v.sim.reg}
	_, err = t.update(func(st *state) error {
		st.Role, st.Source, st.Pod = roleSecondary, primary.name, t.uid
		s.catchUp(st)
		return nil
	})
	return err
}

func (v vtctld) stopReplication(_ map[string]string, pos []string) error {
	alias, err := exactlyOne("StopReplication", pos)
	if err != nil {
		return err
	}
	t, err := v.tablet(alias)
	if err != nil {
		return err
	}
	if t.has(markerCrash) {
		return fmt.Errorf("tablet %s is not reachable", alias)
	}
	_, err = t.update(func(st *state) error {
		if st.Role == rolePrimary {
			return fmt.Errorf("tablet %s is the primary; reparent away from it first", alias)
		}
		st.Role, st.Source = roleStopped, ""
		return nil
	})
	return err
}
