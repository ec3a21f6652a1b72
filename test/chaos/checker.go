package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// sampleEvery is how often the checker reads the data plane.
const sampleEvery = 100 * time.Millisecond

// ledger holds the acknowledged writes of every set: what the checker
// must find on whichever member acts as the set's primary.
type ledger struct {
	mu    sync.Mutex
	acked map[string]*groupWrites
	total int
}

// groupWrites are one set's acknowledged writes: their union for the fast
// check, and each write for counting what went missing.
type groupWrites struct {
	union  dataplane.GTIDSet
	writes []dataplane.GTIDSet
}

func newLedger() *ledger { return &ledger{acked: map[string]*groupWrites{}} }

// record adds an acknowledged write of group.
func (l *ledger) record(group string, g dataplane.GTIDSet) {
	l.mu.Lock()
	defer l.mu.Unlock()
	gw := l.acked[group]
	if gw == nil {
		gw = &groupWrites{}
		l.acked[group] = gw
	}
	gw.union = gw.union.Union(g)
	gw.writes = append(gw.writes, g)
	l.total++
}

// snapshot copies the acknowledged writes as they are now: a sample checks
// only writes acknowledged before it read any member.
func (l *ledger) snapshot() map[string]groupWrites {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]groupWrites, len(l.acked))
	for g, gw := range l.acked {
		out[g] = groupWrites{union: gw.union, writes: gw.writes[:len(gw.writes):len(gw.writes)]}
	}
	return out
}

// checker samples the data plane and counts violations: two members of a
// set acting as primaries at one sample, and an acknowledged write missing
// from the one member that acts as its set's primary.
type checker struct {
	reg    string
	ledger *ledger
	report func(format string, args ...any)

	mu         sync.Mutex
	samples    int
	splitBrain int
	lostWrites int
	failovers  int
	primary    map[string]string
	lost       map[string][]bool
	episodes   map[string]bool
}

func newChecker(reg string, l *ledger, report func(string, ...any)) *checker {
	return &checker{reg: reg, ledger: l, report: report,
		primary: map[string]string{}, lost: map[string][]bool{}, episodes: map[string]bool{}}
}

// run samples until ctx ends.
func (c *checker) run(ctx context.Context) {
	tick := time.NewTicker(sampleEvery)
	defer tick.Stop()
	for {
		c.sample()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// sample reads every member once and checks each set.
func (c *checker) sample() {
	acked := c.ledger.snapshot()
	groups := byGroup(readMembers(c.reg))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.samples++
	for group, ms := range groups {
		primaries := c.confirmed(acting(ms))
		switch {
		case len(primaries) > 1:
			c.splitBrain++
			names := make([]string, len(primaries))
			for i, p := range primaries {
				names[i] = p.Name
			}
			c.episode("two primaries in "+group+": "+strings.Join(names, ", "), "VIOLATION %s act as primaries of %s at once", names, group)
		case len(primaries) == 1:
			p := primaries[0]
			if prev := c.primary[group]; prev != "" && prev != p.Name {
				c.failovers++
			}
			c.primary[group] = p.Name
			c.checkWrites(group, p, ms, acked[group])
		}
	}
}

// confirmed returns the members of primaries that still act as primaries
// when read again, the later-read first. A sample reads the members' files
// one after another, so a planned reparent between two reads would show the
// demoted primary still writable and the promoted one already writable,
// which never held at one moment (seen once in CI after drains made planned
// reparents common: one sample of 2310). A split brain lasts for as long as
// nothing fences one of the two, far longer than a second read.
func (c *checker) confirmed(primaries []member) []member {
	if len(primaries) < 2 {
		return primaries
	}
	var out []member
	for i := len(primaries) - 1; i >= 0; i-- {
		if m, ok := readMember(c.reg, primaries[i].Name); ok && m.Acting && m.UID == primaries[i].UID {
			out = append(out, m)
		}
	}
	return out
}

// checkWrites counts the acknowledged writes of group that the acting
// primary p lacks, each once, and says which members of the group (ms)
// hold them, to tell the failover that gave them up from the data plane.
func (c *checker) checkWrites(group string, p member, ms []member, gw groupWrites) {
	if p.GTIDs.Contains(gw.union) {
		return
	}
	lost := c.lost[group]
	for len(lost) < len(gw.writes) {
		lost = append(lost, false)
	}
	missing := 0
	var first dataplane.GTIDSet
	found := false
	for i, w := range gw.writes {
		if !lost[i] && !p.GTIDs.Contains(w) {
			lost[i] = true
			missing++
			if !found {
				first, found = w, true
			}
		}
	}
	c.lost[group] = lost
	if missing > 0 {
		c.lostWrites += missing
		var holders []string
		for _, m := range ms {
			holders = append(holders, fmt.Sprintf("%s (holds it: %v, at %s)", m.Name, m.GTIDs.Contains(first), m.GTIDs))
		}
		c.report("VIOLATION %d acknowledged writes of %s missing on its primary %s; the first, %s, on the members read: %s",
			missing, group, p.Name, first, strings.Join(holders, "; "))
	}
}

// episode reports a violation once per distinct description.
func (c *checker) episode(key, format string, args ...any) {
	if !c.episodes[key] {
		c.episodes[key] = true
		c.report(format, args...)
	}
}

// counts returns what the checker has seen.
func (c *checker) counts() (samples, splitBrain, lostWrites, failovers int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.samples, c.splitBrain, c.lostWrites, c.failovers
}

// settled reports whether every set of want has exactly one acting primary
// and it holds every acknowledged write, for the final check.
func (c *checker) settled(want []string) error {
	acked := c.ledger.snapshot()
	groups := byGroup(readMembers(c.reg))
	for _, g := range want {
		primaries := acting(groups[g])
		if len(primaries) != 1 {
			return fmt.Errorf("%s has %d acting primaries", g, len(primaries))
		}
		if gw := acked[g]; !primaries[0].GTIDs.Contains(gw.union) {
			return fmt.Errorf("%s: its primary %s lacks acknowledged writes", g, primaries[0].Name)
		}
	}
	return nil
}
