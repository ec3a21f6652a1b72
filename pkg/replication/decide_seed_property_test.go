package replication

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// history is a made-up shard history: which member holds which
// transaction, and which transactions were acknowledged (some member
// besides the primary that committed it received it).
type history struct {
	uuids [3]string
	held  [3]map[string][]int // member -> uuid -> sequence numbers
	acked []string            // "uuid:n"
}

// randomHistory has random members be primary in turn, each committing a
// few transactions that reach a random subset of the others.
func randomHistory(rng *rand.Rand) history {
	h := history{uuids: [3]string{
		"3e11fa47-71ca-11e1-9e33-c80aa9429562",
		"8e8f7b52-4b2a-11ee-a0d1-0242ac120002",
		"c3c40462-32a7-ce85-c97e-5a383534b453",
	}}
	for i := range h.held {
		h.held[i] = map[string][]int{}
	}
	next := map[string]int{}
	for range 1 + rng.IntN(4) {
		p := rng.IntN(3)
		u := h.uuids[p]
		for range 1 + rng.IntN(3) {
			next[u]++
			n := next[u]
			h.held[p][u] = append(h.held[p][u], n)
			got := 0
			for o := range 3 {
				if o != p && rng.IntN(2) == 0 {
					h.held[o][u] = append(h.held[o][u], n)
					got++
				}
			}
			if got > 0 {
				h.acked = append(h.acked, fmt.Sprintf("%s:%d", u, n))
			}
		}
	}
	return h
}

// position renders member i's transactions as a GTID set.
func (h history) position(t *testing.T, i int) dataplane.Position {
	var parts []string
	for _, u := range h.uuids {
		if ns := h.held[i][u]; len(ns) > 0 {
			s := u
			for _, n := range ns {
				s += fmt.Sprintf(":%d", n)
			}
			parts = append(parts, s)
		}
	}
	g, err := dataplane.ParseGTIDSet(strings.Join(parts, ","))
	require.NoError(t, err)
	return g
}

// TestASeedNeverGivesUpAnAcknowledgedWrite walks random histories of a
// shard with no primary: the engine's steps are applied (a rebuild
// empties the member) until it seeds or refuses, and the seed must hold
// every acknowledged transaction, whatever the rebuilds before it did.
func TestASeedNeverGivesUpAnAcknowledgedWrite(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	seeded, refused, rebuilt := 0, 0, 0
	for i := range 2000 {
		h := randomHistory(rng)
		for step := 0; ; step++ {
			require.Less(t, step, 4, "history %d: no seed after three rebuilds", i)
			s := snap(3, 1, mem{pod: "running", state: stp, pos: 1}, mem{pod: "running", state: stp, pos: 1},
				mem{pod: "running", state: stp, pos: 1})
			s.Spec.DurableFailover, s.Spec.RebuildsDiverged = true, true
			for j, m := range s.Members {
				m.Position, m.Probe.ServerID, m.Probe.Source = h.position(t, j), h.uuids[j], ""
			}
			a := decideStep(s)
			if a.Type == ActRebuild {
				h.held[a.Members[0]] = map[string][]int{}
				rebuilt++
				continue
			}
			if a.Type == ActRefuse {
				refused++
				break
			}
			require.Equal(t, ActSeed, a.Type, "history %d: %s", i, a)
			got := s.Members[a.Members[0]].Position.(dataplane.GTIDSet)
			for _, tx := range h.acked {
				one, err := dataplane.ParseGTIDSet(tx)
				require.NoError(t, err)
				require.True(t, got.Contains(one), "history %d: the seed %s lacks acknowledged %s (%s)", i, got, tx, a)
			}
			seeded++
			break
		}
	}
	t.Logf("2000 histories: %d seeded, %d refused, %d rebuilds", seeded, refused, rebuilt)
	require.Positive(t, rebuilt)
}
