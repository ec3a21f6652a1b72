package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Exit codes of the status hook, as the RSS contract defines them.
const (
	exitSecondary = 0
	exitFailed    = 1
	exitStopped   = 7
	exitPrimary   = 8
)

var errCrashed = errors.New("member has crashed (crash marker present)")

// errPodGone is a command whose pod was deleted, or whose node was lost,
// while it ran: its process would have been killed, or cut off, before it
// reached another member.
var errPodGone = errors.New("the pod this command runs in is gone or cut off")

// reachable reports whether the member's own pod still stands in the
// registry, unlost: whether a process in it can still reach another member.
// It is asked under the receiving member's lock, and a reader of that
// member's position takes the same lock; the simulation host removes a
// deleted pod from the registry before kwok may remove the pod
// (hack/local/stages.yaml), so a write from a pod the operator sees gone
// never lands after the operator read where a replica stands.
func (s sim) reachable() bool {
	cur, ok := s.reg.lookup(s.self.name, s.self.namespace)
	return ok && cur.uid == s.self.uid && !cur.lost
}

// sim answers the replication hooks for one member.
type sim struct {
	self member
	reg  registry
	out  io.Writer
}

// catchUp is the lazy replication of a secondary: whenever a hook runs on
// it, it copies the position of the primary it follows, if that primary
// still exists and runs.
func (s sim) catchUp(st *state) {
	if st.Role != roleSecondary {
		return
	}
	if src, ok := s.followed(st); ok {
		st.absorb(src.gtids())
	}
}

// followed is the state of the primary a secondary follows, if that
// primary still exists and runs.
func (s sim) followed(st *state) (state, bool) {
	if st.Source == "" {
		return state{}, false
	}
	src, ok := s.reg.lookup(st.Source, s.self.namespace)
	if !ok || src.has(markerCrash) {
		return state{}, false
	}
	srcState, err := src.load()
	if err != nil || srcState.Role != rolePrimary {
		return state{}, false
	}
	return srcState, true
}

func (s sim) sequence() error {
	st, err := s.self.update(func(st *state) error {
		s.catchUp(st)
		return nil
	})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(s.out, st.position())
	return err
}

// status returns the exit code that reports the member's state.
func (s sim) status() int {
	if s.self.has(markerCrash) {
		fmt.Fprintln(s.out, "failed: crash marker present")
		return exitFailed
	}
	st, err := s.self.update(func(st *state) error {
		s.catchUp(st)
		return nil
	})
	if err != nil {
		fmt.Fprintln(s.out, "failed:", err)
		return exitFailed
	}
	fmt.Fprintf(s.out, "%s at %d\n", st.Role, st.position())
	switch st.Role {
	case rolePrimary:
		return exitPrimary
	case roleSecondary:
		return exitSecondary
	default:
		return exitStopped
	}
}

// startPrimary makes the member a primary; seeding is the same for the
// simulator, since its data is whatever its claim holds.
func (s sim) startPrimary() error {
	if s.self.has(markerCrash) {
		return errCrashed
	}
	_, err := s.self.update(func(st *state) error {
		st.Role, st.Source, st.Pod = rolePrimary, "", s.self.uid
		return nil
	})
	return err
}

// startSecondary makes the member follow the first of primaries that is not itself.
func (s sim) startSecondary(primaries []string) error {
	if s.self.has(markerCrash) {
		return errCrashed
	}
	source := ""
	for _, p := range primaries {
		if m, ok := s.reg.lookup(p, s.self.namespace); ok && m.name != s.self.name {
			source = m.name
			break
		}
	}
	if source == "" {
		return fmt.Errorf("no primary to follow among %v", primaries)
	}
	_, err := s.self.update(func(st *state) error {
		st.Role, st.Source, st.Pod = roleSecondary, source, s.self.uid
		// Starting to follow, it rewinds: it discards what the primary
		// does not hold, commits of its own as an earlier primary that no
		// member received before it was lost (pg_rewind does this for
		// PostgreSQL), and catches up. A history that diverged from the
		// primary's would make its sequence, a count, compare as more
		// advanced than a member holding acknowledged writes it lacks
		// (found by make chaos). Nothing acknowledged is lost: an
		// acknowledged write is on the primary, or the failover that chose
		// the primary already lost it.
		if src, ok := s.followed(st); ok {
			st.GTIDs = src.gtids().String()
		}
		return nil
	})
	return err
}

func (s sim) stop() error {
	if s.self.has(markerWedged) {
		return errors.New("member is wedged (wedged marker present)")
	}
	_, err := s.self.update(func(st *state) error {
		st.Role, st.Source = roleStopped, ""
		return nil
	})
	return err
}

// write commits n writes on a primary and acknowledges them only once a
// secondary that follows it holds them (semi-synchronous replication). Only
// the first such secondary receives them now; the others catch up lazily.
func (s sim) write(n uint64) error {
	if s.self.env["TABLET_ALIAS"] != "" {
		return s.vitessWrite(n)
	}
	if s.self.has(markerCrash) {
		return errCrashed
	}
	var committed string
	st, err := s.self.update(func(st *state) error {
		if st.Role != rolePrimary {
			return fmt.Errorf("not a primary (%s)", st.Role)
		}
		committed = st.commit(n)
		return nil
	})
	if err != nil {
		return err
	}
	peers, err := s.reg.members(s.self.namespace)
	if err != nil {
		return err
	}
	for _, p := range peers {
		// An rdonly tablet never acknowledges, as under Vitess's semi_sync
		// durability policy; a member cut off with its node receives nothing.
		if p.name == s.self.name || p.has(markerCrash) || p.lost || p.env["TABLET_TYPE"] == "rdonly" {
			continue
		}
		acked := false
		_, err := p.update(func(ps *state) error {
			if !s.reachable() {
				return errPodGone
			}
			if ps.Role == roleSecondary && ps.Source == s.self.name {
				ps.absorb(st.gtids())
				acked = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		if acked {
			fmt.Fprintf(s.out, "acknowledged by %s at %d\ngtids: %s\n", p.name, st.position(), committed)
			return nil
		}
	}
	return errors.New("not acknowledged: no secondary follows this primary")
}

// vitessWrite commits n writes on a Vitess tablet's mysqld, one transaction
// each, as a client of the primary would. The primary must be writable.
// Replicas whose replication runs from it receive them at once (real
// replication lags by milliseconds); under a semi-sync durability policy the
// commit returns only once a tablet the policy counts has acknowledged, and
// when none can, the write is committed on the primary but never
// acknowledged (Vitess's my.cnf lets a semi-sync primary wait forever, with
// no fallback to asynchronous replication).
func (s sim) vitessWrite(n uint64) error {
	self := tablet{member: s.self, alias: s.self.env["TABLET_ALIAS"]}
	if !self.mysqldUp() {
		return errors.New("ERROR 2002 (HY000): Can't connect to local MySQL server")
	}
	var committed string
	st, err := s.self.update(func(st *state) error {
		if !st.Writable {
			return errors.New("ERROR 1290 (HY000): The MySQL server is running with the --read-only option so it cannot execute this statement")
		}
		committed = st.commit(n)
		return nil
	})
	if err != nil {
		return err
	}
	t, err := s.topoOf()
	if err != nil {
		return err
	}
	policy := t.durability(s.self.env["TABLET_KEYSPACE"])
	peers, err := s.reg.members(s.self.namespace)
	if err != nil {
		return err
	}
	var ackers []string
	for _, p := range peers {
		pt := tablet{member: p, alias: p.env["TABLET_ALIAS"]}
		if pt.alias == "" || p.name == s.self.name || !pt.mysqldUp() {
			continue
		}
		received := false
		if _, err := p.update(func(ps *state) error {
			if !s.reachable() {
				return errPodGone
			}
			if ps.ReplRunning && ps.ReplSource == s.self.name && replAuthError(p, s.self.name, st) == "" {
				ps.replicate(st)
				received = true
			}
			return nil
		}); err != nil {
			return err
		}
		if received && acks(policy, tabletRecord{Alias: self.alias, Type: typePrimary}, tabletRecord{Alias: pt.alias, Type: pt.initType()}) {
			ackers = append(ackers, p.name)
		}
	}
	if policy != "none" && len(ackers) == 0 {
		return fmt.Errorf("not acknowledged: under durability policy %s no tablet that acknowledges replicates from this primary; the commit waits", policy)
	}
	fmt.Fprintf(s.out, "committed %d at %d, acknowledged by %v\ngtids: %s\n", n, st.position(), ackers, committed)
	return nil
}

// topoOf finds the simulated topology of the cluster the member's pod
// belongs to: pods are named <cluster>-vttablet-..., vtctld addresses
// <cluster>-vtctld.<namespace>.svc:PORT.
func (s sim) topoOf() (topo, error) {
	cluster, _, ok := strings.Cut(s.self.name, "-vttablet-")
	if !ok {
		return topo{}, fmt.Errorf("pod %s is not named <cluster>-vttablet-<cell>-<uid>", s.self.name)
	}
	dir := filepath.Join(s.reg.root, "topo", s.self.namespace)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return topo{}, fmt.Errorf("no topology for cluster %s: %w", cluster, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), cluster+"-vtctld.") {
			return topo{dir: filepath.Join(dir, e.Name())}, nil
		}
	}
	return topo{}, fmt.Errorf("no topology for cluster %s in %s", cluster, dir)
}
