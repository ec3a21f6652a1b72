package scenarios

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// TestRandomHistoriesKeepEveryAcknowledgedWrite drives the engine's
// decisions and the Vitess driver over the simulator through random
// histories of writes, pod deletions, mysqld crashes, cut-off tablets,
// operator restarts (the engine's memory lost) and passing time, and checks
// after every event, from the data plane, that no two tablets are writable
// and that a writable tablet holds every acknowledged write. It is the
// chaos run of the local cluster without Kubernetes: the decisions and the
// simulated Vitess meet in every order a random schedule finds, fast
// enough for thousands of events.
//
// SCENARIO_HISTORIES and SCENARIO_EVENTS size the run (default 4 × 120);
// SCENARIO_SEED replays one.
func TestRandomHistoriesKeepEveryAcknowledgedWrite(t *testing.T) {
	t.Parallel()
	histories, events := envInt(t, "SCENARIO_HISTORIES", 4), envInt(t, "SCENARIO_EVENTS", 120)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SCENARIO_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SCENARIO_SEED=%q: %v", v, err)
		}
		seed = s
	}
	for i := 0; i < histories; i++ {
		hs := seed + uint64(i)
		t.Run(fmt.Sprintf("seed-%d", hs), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			cfg := Config{Cell: "zone1", Keyspace: "main", Shard: "0", Replicas: 3, Durability: "semi_sync"}
			s := NewSim(t, cfg)
			r := &history{h: newHarness(t, ctx, s, cfg), sim: s, cut: map[string]bool{}, rng: rand.New(rand.NewPCG(hs, hs>>1))}
			r.h.seeded()
			for _, a := range s.Tablets() {
				_ = os.Remove(filepath.Join(s.dataDir(a), "mysqld-startup-delay"))
			}
			for n := 0; n < events; n++ {
				r.event()
				r.check()
				if t.Failed() {
					t.Logf("replay with SCENARIO_SEED=%d SCENARIO_HISTORIES=1 SCENARIO_EVENTS=%d; events:\n%s", hs, n+1, strings.Join(r.log, "\n"))
					return
				}
			}
			t.Logf("%d events, %d acknowledged writes, %d failovers taken", events, r.acked.Count(), r.failovers)
		})
	}
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

// history is one random history over a simulated shard.
type history struct {
	h         *harness
	sim       *Sim
	rng       *rand.Rand
	acked     dataplane.GTIDSet
	failovers int
	cut       map[string]bool
	log       []string
}

func (r *history) logf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	r.log = append(r.log, line)
	r.h.t.Log(line)
}

// event takes one random step: most often an engine pass, as the operator
// takes them on every change.
func (r *history) event() {
	if r.rng.IntN(100) < 40 {
		r.pass()
		return
	}
	r.disrupt()
}

// disrupt is one random event other than a pass.
func (r *history) disrupt() {
	tablets := r.sim.Tablets()
	pick := tablets[r.rng.IntN(len(tablets))]
	switch n := 40 + r.rng.IntN(60); {
	case n < 60:
		r.write()
	case n < 67:
		r.logf("delete the pod of %s", pick)
		must(r.h.t, r.sim.KillTablet(r.h.ctx, pick))
		r.h.gone[pick] = true
	case n < 72:
		r.logf("crash the mysqld of %s", pick)
		r.crash(pick)
	case n < 77:
		r.logf("cut %s off", pick)
		must(r.h.t, r.sim.SetReachable(r.h.ctx, pick, false))
		r.cut[pick] = true
	case n < 80:
		for a := range r.cut {
			r.logf("the node of %s is marked unreachable", a)
			r.h.nodeLost[a] = true
			break
		}
	case n < 90:
		for a := range r.cut {
			r.logf("bring %s back", a)
			r.reconnect(a)
			break
		}
	case n < 94:
		r.logf("restart the operator: positions and answers forgotten")
		r.forget()
	default:
		d := r.h.spec.LostAfter + time.Second
		if r.rng.IntN(3) == 0 {
			d = r.h.spec.StartupTimeout + time.Second
		}
		r.logf("%s pass", d)
		r.h.skew += d
	}
}

// forget is an operator restart: the engine's memory of positions,
// answers, unavailability and released records is gone; labels stay.
func (r *history) forget() {
	r.h.known, r.h.answer, r.h.away, r.h.released = map[string]dataplane.Position{}, map[string]dataplane.State{}, map[string]time.Time{}, map[string]bool{}
}

// reconnect ends a tablet's cut-off and its node's loss.
func (r *history) reconnect(alias string) {
	must(r.h.t, r.sim.SetReachable(r.h.ctx, alias, true))
	delete(r.cut, alias)
	delete(r.h.nodeLost, alias)
}

// crash puts the simulator's crash marker for the tablet's running pod: its
// mysqld is down until the pod is made again.
func (r *history) crash(alias string) {
	uid, err := os.ReadFile(r.sim.link(alias) + ".uid")
	if err != nil {
		return // no pod
	}
	must(r.h.t, os.WriteFile(filepath.Join(r.sim.dataDir(alias), "crash"), uid, 0o644))
}

// pass is one engine pass: decide, and take the step as the engine does,
// an error left for the next pass.
func (r *history) pass() {
	a := r.h.decide()
	switch a.Type {
	case replication.ActNone, replication.ActWait, replication.ActRefuse:
		r.logf("pass: %s", a)
		return
	}
	// An operator killed right after the command runs: the labels and
	// annotations it would write next are not written, and its memory goes.
	killed := r.rng.IntN(10) == 0
	if r.rng.IntN(4) == 0 {
		// The data plane changes between the pass's probe and its step.
		r.logf("while the pass decides:")
		r.disrupt()
	}
	roles, follow := maps.Clone(r.h.roles), maps.Clone(r.h.follow)
	err := r.take(a)
	r.logf("pass: %s: err=%v", a, err)
	if a.Type == replication.ActCreatePods {
		for _, o := range a.Members {
			r.reconnect(r.h.alias(o)) // a new pod, on a node that reports
		}
	}
	if killed {
		r.logf("the operator is killed before it writes the labels")
		maps.Copy(r.h.roles, roles)
		for k := range r.h.roles {
			if _, ok := roles[k]; !ok {
				delete(r.h.roles, k)
			}
		}
		r.h.follow = follow
		r.forget()
	}
	if err == nil && a.Type == replication.ActPromote && a.Failover {
		r.failovers++
	}
}

// take is the harness's act with the steps only a random history needs:
// a pod deleted, and a stop or fence that failed ending in the pod's
// deletion (act.go).
func (r *history) take(a replication.Action) error {
	switch a.Type {
	case replication.ActDeletePod:
		alias := r.h.alias(a.Members[0])
		r.h.gone[alias] = true
		return r.sim.KillTablet(r.h.ctx, alias)
	case replication.ActForget:
		return nil
	}
	err := r.h.act(a)
	if err != nil && (a.Type == replication.ActStop || a.Type == replication.ActFence) {
		alias := r.h.alias(a.Members[0])
		r.h.gone[alias] = true
		return r.sim.KillTablet(r.h.ctx, alias)
	}
	return err
}

// write commits a few rows on every tablet whose mysqld takes writes, and
// records those acknowledged.
func (r *history) write() {
	for _, a := range r.h.writable() {
		for i := 1 + r.rng.IntN(4); i > 0; i-- {
			res, err := r.sim.Executor().Exec(r.h.ctx, r.sim.Member(a).Target, []string{"tabletsim", "write", "1"})
			if err != nil || res.ExitCode != 0 {
				r.logf("write on %s: not acknowledged", a)
				break
			}
			_, g, ok := strings.Cut(res.Stdout, "gtids: ")
			set, perr := dataplane.ParseGTIDSet(strings.TrimSpace(g))
			if !ok || perr != nil {
				r.h.t.Fatalf("write on %s printed %q", a, res.Stdout)
			}
			r.acked = r.acked.Union(set)
			r.logf("write on %s: acknowledged %s", a, set)
		}
	}
}

// check reads the invariants from the data plane.
func (r *history) check() {
	w := r.h.writable()
	if len(w) > 1 {
		r.h.t.Errorf("two writable tablets: %v", w)
	}
	for _, a := range w {
		if g := r.gtids(a); !g.Contains(r.acked) {
			r.h.t.Errorf("writable %s holds %s, not every acknowledged write: %s missing", a, g, r.acked.Minus(g))
		}
	}
}

// gtids reads what a tablet's data holds.
func (r *history) gtids(alias string) dataplane.GTIDSet {
	data, err := os.ReadFile(filepath.Join(r.sim.dataDir(alias), "tabletsim.json"))
	must(r.h.t, err)
	_, rest, _ := strings.Cut(string(data), `"gtids":"`)
	g, _, _ := strings.Cut(rest, `"`)
	set, err := dataplane.ParseGTIDSet(g)
	must(r.h.t, err)
	return set
}
