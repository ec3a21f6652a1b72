package replication

import (
	"context"
	"errors"
	"sync"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// maxParallelHooks bounds how many hooks of one set run at once.
const maxParallelHooks = 16

// errNoPosition is a driver that reported neither a position nor an error.
var errNoPosition = errors.New("the driver reported no position")

// parallel runs f for each member, at most maxParallelHooks at a time.
func parallel(ms []*Member, f func(m *Member)) {
	sem := make(chan struct{}, maxParallelHooks)
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(m)
		}()
	}
	wg.Wait()
}

// probe observes the members: in one call for a driver that can observe the
// whole set, the rest (and every member for other drivers) one by one. Then
// it records what the pass learned of every member, probed or not.
func (e *Engine) probe(ctx context.Context, p *pass, ordinals []int) {
	ms := p.snap.members(ordinals)
	rest := ms
	if sp, ok := p.set.Driver().(dataplane.SetProber); ok && len(ms) > 0 {
		targets := make([]dataplane.Member, 0, len(ms))
		for _, m := range preferAnswering(ms, p.mem) {
			targets = append(targets, p.target(m))
		}
		var known []string
		for _, m := range p.snap.Members {
			known = append(known, p.set.Member(p.podOrRendered(m)).ID)
		}
		obs, err := sp.ProbeSet(ctx, targets, known)
		if err != nil {
			p.snap.Unobservable = err.Error()
			rest = nil
		} else {
			rest = nil
			p.snap.Strangers = obs.Strangers
			for _, m := range ms {
				if o, ok := obs.Members[p.target(m).Pod]; ok {
					setObservation(m, o)
				} else {
					rest = append(rest, m)
				}
			}
		}
	}
	parallel(rest, func(m *Member) { setObservation(m, observeOne(ctx, p.set.Driver(), p.target(m))) })
	p.snap.Probed = true
	if p.snap.Unobservable != "" {
		return // nothing was learned, so nothing is recorded
	}
	for _, m := range p.snap.Members {
		p.mem.observe(m, p.snap.Now, m.Probe != nil && (m.AnsweredSinceStart || !p.snap.withinStartup(m)))
	}
}

// preferAnswering orders members so that those that answered last time come
// first: a driver that observes the set through one member tries them in
// this order.
func preferAnswering(ms []*Member, mem *setMemory) []*Member {
	out := make([]*Member, 0, len(ms))
	var later []*Member
	for _, m := range ms {
		if r, ok := mem.members[m.Ordinal]; ok && r.unavailableSince.IsZero() && r.probed {
			out = append(out, m)
		} else {
			later = append(later, m)
		}
	}
	return append(out, later...)
}

// observeOne asks one member for its state, and its position where the
// driver reads both at once.
func observeOne(ctx context.Context, d dataplane.Driver, t dataplane.Member) dataplane.Observation {
	if o, ok := d.(dataplane.Observer); ok {
		return o.Observe(ctx, t)
	}
	st, detail := d.Status(ctx, t)
	return dataplane.Observation{State: st, Detail: detail}
}

func setObservation(m *Member, o dataplane.Observation) {
	m.Probe = &Probe{State: o.State, Detail: o.Detail, Term: o.Term, Source: o.Source, ServerID: o.ServerID, AgentDown: o.AgentDown}
	if o.Position != nil {
		m.Position = o.Position
	}
}

// positions asks members for their replication positions. Every member
// asked ends with a position or the reason it has none.
func (e *Engine) positions(ctx context.Context, p *pass, ordinals []int) {
	ms := p.snap.members(ordinals)
	parallel(ms, func(m *Member) {
		pos, err := p.set.Driver().Position(ctx, p.target(m))
		switch {
		case err != nil:
			m.PositionErr = err.Error()
		case pos == nil:
			m.PositionErr = errNoPosition.Error()
		default:
			m.Position = pos
		}
	})
	for _, m := range ms {
		if m.Position != nil {
			p.mem.record(m.Ordinal).known = m.Position
			m.Known = m.Position
		}
	}
}
