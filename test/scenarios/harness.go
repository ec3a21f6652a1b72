package scenarios

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// harness runs the operator's decisions over a substrate: it observes the
// shard with the Vitess driver, builds the engine's snapshot from what it
// saw and what it remembers (as the engine does), asks replication.Decide
// for the next step, and takes it with the driver. Pods are the substrate's
// tablets; a tablet whose pod a scenario deleted has none.
type harness struct {
	t      *testing.T
	ctx    context.Context
	s      Substrate
	d      *dataplane.Vitess
	spec   replication.Spec
	roles  map[string]string
	follow map[string]string
	gone   map[string]bool
	start  map[string]time.Time
	known  map[string]dataplane.Position
	answer map[string]dataplane.State
	away   map[string]time.Time
	now    time.Time
	// skew moves the engine's clock ahead of the wall clock: a random
	// history lets timeouts pass without waiting them out.
	skew time.Duration
	// nodeLost marks the tablets whose pod's node the node lifecycle
	// controller marked unreachable.
	nodeLost map[string]bool
	// released are the tablets whose primary record was deleted and that
	// have not answered since (the engine's memory of ActRelease).
	released map[string]bool
	// deleting marks the tablets whose pod is being deleted while its
	// preStop hook holds: the engine does not probe them.
	deleting map[string]bool
}

// clock is the engine's time.
func (h *harness) clock() time.Time { return time.Now().Add(h.skew) }

func newHarness(t *testing.T, ctx context.Context, s Substrate, cfg Config) *harness {
	h := &harness{t: t, ctx: ctx, s: s, d: dataplane.NewVitess(s.Executor(), s.Server(), s.Keyspace(), s.Shard()),
		roles: map[string]string{}, follow: map[string]string{}, gone: map[string]bool{}, start: map[string]time.Time{},
		known: map[string]dataplane.Position{}, answer: map[string]dataplane.State{}, away: map[string]time.Time{}, now: time.Now(), nodeLost: map[string]bool{}, released: map[string]bool{},
		deleting: map[string]bool{}}
	desired := map[int]bool{}
	for i, a := range s.Tablets() {
		desired[ordinal(a)] = i < cfg.Replicas
		h.start[a] = h.now
		h.roles[a] = replication.RoleStopped
	}
	// The data-plane traits are those pkg/vitess gives a shard's set:
	// ERS isolates a lost primary and refuses to give up acknowledged writes.
	h.spec = replication.Spec{Desired: desired, Primaries: 1, Revision: "r", PlannedSwitchover: true,
		IsolatesLostPrimary: true, DurableFailover: true, RebuildsDiverged: true, HoldsGoingPrimary: true,
		StartupTimeout: 10 * time.Minute, LostAfter: 30 * time.Second}
	return h
}

// ordinal is a tablet's UID, the ordinal the operator gives it.
func ordinal(alias string) int {
	n, _ := strconv.Atoi(alias[strings.LastIndex(alias, "-")+1:])
	return n
}

// alias is the tablet with an ordinal.
func (h *harness) alias(o int) string {
	for _, a := range h.s.Tablets() {
		if ordinal(a) == o {
			return a
		}
	}
	h.t.Fatalf("no tablet with ordinal %d", o)
	return ""
}

// observe probes the tablets that have a pod, as one engine pass does.
func (h *harness) observe() map[string]dataplane.Observation {
	var ms []dataplane.Member
	for _, a := range h.s.Tablets() {
		if !h.gone[a] && !h.deleting[a] {
			ms = append(ms, h.s.Member(a))
		}
	}
	obs, err := h.d.ProbeSet(h.ctx, ms, h.s.Tablets())
	if err != nil {
		h.t.Fatalf("%s: observing the shard: %v", h.s.Name(), err)
	}
	return obs.Members
}

// snapshot builds what the engine would decide from.
func (h *harness) snapshot(obs map[string]dataplane.Observation) *replication.Snapshot {
	snap := &replication.Snapshot{Spec: h.spec, Now: h.now, Probed: true}
	for _, a := range h.s.Tablets() {
		m := &replication.Member{Ordinal: ordinal(a), Name: a, Known: h.known[a], WasPrimary: h.answer[a] == dataplane.StatePrimary,
			Released: h.released[a]}
		if !h.gone[a] {
			m.Pod = &replication.PodView{Phase: corev1.PodRunning, Role: h.roles[a], Revision: "r", StartedAt: h.start[a],
				Following: h.follow[a], NodeUnreachable: h.nodeLost[a], Deleting: h.deleting[a], Holds: true}
		}
		if o, ok := obs[a]; ok {
			m.Probe = &replication.Probe{State: o.State, Detail: o.Detail, Term: o.Term, Source: o.Source, ServerID: o.ServerID, AgentDown: o.AgentDown}
			m.Position = o.Position
		}
		switch st := m.Probe; {
		case st != nil && (st.State == dataplane.StatePrimary || st.State == dataplane.StateSecondary || st.State == dataplane.StateStopped):
			delete(h.away, a)
			delete(h.released, a)
			h.answer[a] = st.State
			if m.Position != nil {
				h.known[a] = m.Position
			}
		default:
			if _, ok := h.away[a]; !ok {
				h.away[a] = h.now
			}
			m.UnavailableSince = h.away[a]
		}
		snap.Members = append(snap.Members, m)
	}
	return snap
}

// decide observes and returns the engine's next step.
func (h *harness) decide() replication.Action {
	h.now = h.clock()
	a := h.step(h.snapshot(h.observe()))
	h.t.Logf("%s: decided %s", h.s.Name(), a)
	return a
}

// step is the engine's step over a snapshot; the Vitess driver observes
// states and positions at once, so no decision may need more facts.
func (h *harness) step(s *replication.Snapshot) replication.Action {
	d := replication.Decide(s)
	if d.Need != nil {
		h.t.Fatalf("%s: the decision needs %s of %v after a probe: %s", h.s.Name(), d.Need.Kind, d.Need.Members, d.Need.Reason)
	}
	return d.Step
}

// act takes a step with the driver, as the engine's act does, and records
// the role labels it would write.
func (h *harness) act(a replication.Action) error {
	m := h.s.Member(h.alias(a.Members[0]))
	var err error
	switch a.Type {
	case replication.ActSeed:
		err = h.d.Seed(h.ctx, m, nil)
		h.setRole(m.ID, replication.RolePrimary, err)
	case replication.ActPromote:
		if a.Failover {
			f := dataplane.Failover{To: m}
			if a.From != nil {
				from := h.s.Member(h.alias(*a.From))
				f.From = &from
			}
			for b := range h.away {
				f.Down = append(f.Down, h.s.Member(b).ID)
			}
			err = h.d.Failover(h.ctx, f)
		} else {
			err = h.d.Promote(h.ctx, m, nil)
		}
		if err == nil {
			for b, r := range h.roles {
				if r == replication.RolePrimary {
					h.roles[b] = replication.RoleStopped
				}
			}
		}
		h.setRole(m.ID, replication.RolePrimary, err)
	case replication.ActFence:
		err = h.d.Fence(h.ctx, m)
		h.setRole(m.ID, replication.RoleStopped, err)
	case replication.ActStop:
		err = h.d.Stop(h.ctx, m)
		h.setRole(m.ID, replication.RoleStopped, err)
	case replication.ActFollow:
		err = h.d.Follow(h.ctx, m, nil)
		h.setRole(m.ID, replication.RoleSecondary, err)
		if err == nil {
			h.follow[m.ID] = h.primariesKey()
		}
	case replication.ActSwitchover:
		to := h.s.Member(h.alias(a.Members[1]))
		err = h.d.Switchover(h.ctx, m, to)
		h.setRole(to.ID, replication.RolePrimary, err)
		h.setRole(m.ID, replication.RoleSecondary, err)
		if err == nil {
			h.follow[m.ID], h.follow[to.ID] = to.ID, ""
		}
	case replication.ActCreatePods:
		for _, o := range a.Members {
			b := h.alias(o)
			if err := h.s.StartTablet(h.ctx, b); err != nil {
				return err
			}
			h.gone[b], h.start[b], h.roles[b] = false, h.clock(), replication.RoleStopped
		}
	case replication.ActRebuild:
		if err = h.d.Rebuild(h.ctx, m); err == nil {
			delete(h.known, m.ID)
			delete(h.answer, m.ID)
		}
		if serr := h.s.StopTablet(h.ctx, m.ID); serr != nil {
			return errors.Join(err, serr)
		}
		h.gone[m.ID] = true
	case replication.ActRelease:
		if err = h.d.ReleasePrimary(h.ctx, h.via(m.ID), m.ID); err == nil {
			h.released[m.ID] = true
		}
	case replication.ActLabel:
		obs := h.observe()
		for _, o := range a.Members {
			b := h.alias(o)
			h.roles[b] = roleOf(obs[b].State)
		}
	default:
		h.t.Fatalf("%s: the harness takes no %s step", h.s.Name(), a.Type)
	}
	return err
}

// via is a tablet other than alias that answered the last pass, to run a
// command from, as the engine picks one.
func (h *harness) via(alias string) dataplane.Member {
	for _, a := range h.s.Tablets() {
		if _, away := h.away[a]; a != alias && !h.gone[a] && !away {
			return h.s.Member(a)
		}
	}
	return h.s.Member(alias)
}

func roleOf(st dataplane.State) string {
	switch st {
	case dataplane.StatePrimary:
		return replication.RolePrimary
	case dataplane.StateSecondary:
		return replication.RoleSecondary
	}
	return replication.RoleStopped
}

// primariesKey is what the engine records a secondary follows: the
// primaries, by pod (here alias).
func (h *harness) primariesKey() string {
	obs := h.observe()
	var names []string
	for _, a := range h.s.Tablets() {
		if obs[a].State == dataplane.StatePrimary {
			names = append(names, a)
		}
	}
	return strings.Join(names, ",")
}

func (h *harness) setRole(alias, role string, err error) {
	if err == nil {
		h.roles[alias] = role
	}
}

// settle takes steps until the engine decides nothing is left to do, and
// returns the steps it took. A wait (a tablet starting) is waited out, for
// up to a minute.
func (h *harness) settle(limit int) []replication.Action {
	var taken []replication.Action
	waitUntil := time.Now().Add(time.Minute)
	for i := 0; i < limit; {
		a := h.decide()
		switch a.Type {
		case replication.ActNone:
			return taken
		case replication.ActWait:
			if time.Now().After(waitUntil) {
				h.t.Fatalf("%s: the shard does not settle: %s", h.s.Name(), a)
			}
			time.Sleep(time.Second)
			continue
		case replication.ActRefuse:
			h.t.Fatalf("%s: the shard does not settle: %s", h.s.Name(), a)
		}
		i++
		if err := h.act(a); err != nil {
			h.t.Fatalf("%s: %s failed: %v", h.s.Name(), a, err)
		}
		taken = append(taken, a)
		h.checkWritable()
	}
	h.t.Fatalf("%s: no settled shard after %d steps: %v", h.s.Name(), limit, taken)
	return taken
}

// retry takes steps as the engine does, a failed one tried again at a
// later pass, until it decides nothing is left to do or until d has
// passed; it returns the types of the steps it took.
func (h *harness) retry(d time.Duration) []replication.ActionType {
	var taken []replication.ActionType
	for deadline := time.Now().Add(d); time.Now().Before(deadline); {
		a := h.decide()
		switch a.Type {
		case replication.ActNone:
			return taken
		case replication.ActWait, replication.ActRefuse:
			time.Sleep(time.Second)
			continue
		}
		taken = append(taken, a.Type)
		if err := h.act(a); err != nil {
			h.t.Logf("%s: %s failed: %v", h.s.Name(), a, err)
			time.Sleep(time.Second)
		}
		h.checkWritable()
	}
	h.t.Fatalf("%s: the shard does not settle in %s: %v", h.s.Name(), d, taken)
	return taken
}

// writable lists the tablets whose mysqld, asked directly, accepts writes,
// among those that run and can be reached.
func (h *harness) writable() []string {
	var out []string
	for _, a := range h.s.Tablets() {
		if w, err := h.s.Writable(h.ctx, a); err == nil && w {
			out = append(out, a)
		}
	}
	return out
}

// checkWritable is the invariant read from the data plane: never two
// writable primaries among the tablets that can be reached.
func (h *harness) checkWritable() {
	if w := h.writable(); len(w) > 1 {
		h.t.Fatalf("%s: two writable primaries: %v", h.s.Name(), w)
	}
}
