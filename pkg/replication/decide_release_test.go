package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// stuckReplica is a member whose database answers and whose agent has not
// for away: a Vitess replica whose vttablet waits for the recorded primary.
func stuckReplica(s *Snapshot, ordinal int, away time.Duration) *Snapshot {
	m := s.member(ordinal)
	m.Probe.AgentDown = true
	m.UnavailableSince = t0.Add(-away)
	return s
}

// TestALostPrimaryIsReleasedForAReplicaThatCannotStart checks when the
// engine deletes a lost primary's record so that a replica waiting for it
// can start (releaseLostPrimary): only in a set whose data plane isolates a
// lost primary, past the wait for the primary, once the replica has waited
// longer than releaseAfter, and once per loss.
func TestALostPrimaryIsReleasedForAReplicaThatCannotStart(t *testing.T) {
	vitess := func(s *Snapshot) *Snapshot { s.Spec.IsolatesLostPrimary, s.Spec.DurableFailover = true, true; return s }
	stuck := mem{pod: "running", state: dataplane.StateFailed, pos: -1, known: 7, up: 40 * time.Second}
	follower := mem{pod: "running", state: dataplane.StateStopped, pos: 7, role: RoleStopped}
	for _, tc := range []struct {
		name string
		s    *Snapshot
		want ActionType
	}{
		{"a replica stuck for longer than releaseAfter: the lost primary is released",
			vitess(stuckReplica(gonePrimary(snap(3, 1, mem{}, stuck, follower), 0), 1, 30*time.Second)), ActRelease},
		{"a replica starting for a moment: no release, the failover is tried",
			vitess(stuckReplica(gonePrimary(snap(3, 1, mem{}, stuck, follower), 0), 1, 2*time.Second)), ActPromote},
		{"released once: the failover is tried again, not the release",
			func() *Snapshot {
				s := vitess(stuckReplica(gonePrimary(snap(3, 1, mem{}, stuck, follower), 0), 1, 30*time.Second))
				s.member(0).Released = true
				return s
			}(), ActPromote},
		{"released, before any failover failed: it is not waited for",
			func() *Snapshot {
				s := vitess(gonePrimary(snap(3, 1, mem{}, follower, follower), 0))
				s.member(0).Released = true
				return s
			}(), ActPromote},
		{"no member answers to run the command from: the lost primary's pod is made again instead",
			vitess(stuckReplica(stuckReplica(gonePrimary(snap(3, 1, mem{}, stuck, stuck), 0), 1, 30*time.Second), 2, 30*time.Second)),
			ActCreatePods},
		{"a set whose hooks cannot isolate a lost primary releases nothing",
			stuckReplica(gonePrimary(snap(3, 1, mem{}, stuck, follower), 0), 1, 30*time.Second), ActPromote},
		{"a primary unreachable for a moment is waited for first",
			vitess(stuckReplica(gonePrimary(snap(3, 1, mem{pod: "running", state: unk, pos: -1, away: time.Second}, stuck, follower), 0), 1, 30*time.Second)),
			ActWait},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := Decide(tc.s).Step
			require.Equal(t, tc.want, a.Type, "%s", a)
			if tc.want == ActRelease {
				assert.Equal(t, []int{0}, a.Members)
				assert.Contains(t, a.Reason, "s-1")
			}
		})
	}
}
