package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// TestUnseenCreatedPods proves that a created pod is waited for until the
// cache shows it or createdGrace passes, and then forgotten.
func TestUnseenCreatedPods(t *testing.T) {
	var m setMemory
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	m.expectCreated("s-0", t0)
	m.expectCreated("s-1", t0)
	assert.Equal(t, []string{"s-0", "s-1"}, m.unseen(map[string]bool{}, t0.Add(time.Second)))
	assert.Equal(t, []string{"s-1"}, m.unseen(map[string]bool{"s-0": true}, t0.Add(2*time.Second)))
	assert.Empty(t, m.unseen(map[string]bool{}, t0.Add(createdGrace+time.Second)), "given up after the grace")
	assert.Empty(t, m.unseen(map[string]bool{}, t0), "and forgotten")
}

// TestStatusNamesThePrimaryAfterARestart proves a member this process never
// saw answer counts as a former primary when the set's status last named it
// one, and that what the process saw itself wins over the status.
func TestStatusNamesThePrimaryAfterARestart(t *testing.T) {
	mem := &setMemory{members: map[int]*memberRecord{}}
	fresh := &Member{Ordinal: 0, Name: "s-0"}
	mem.recall(fresh, []string{"s-0"})
	assert.True(t, fresh.WasPrimary, "named by the status, never seen")

	seen := &Member{Ordinal: 1, Name: "s-1", Probe: &Probe{State: dataplane.StateSecondary}}
	mem.observe(seen, time.Now(), true)
	again := &Member{Ordinal: 1, Name: "s-1"}
	mem.recall(again, []string{"s-1"})
	assert.False(t, again.WasPrimary, "seen answering as a secondary since")
	assert.True(t, again.WasSecondary)
}

// TestAFollowedMemberIsNotStaleFromBefore proves a member started as a
// secondary counts as available from then on: an unavailability that began
// before its start hook ran does not make it stale the next time it does
// not answer, which would let a failover pass over writes it acknowledged.
func TestAFollowedMemberIsNotStaleFromBefore(t *testing.T) {
	mem := &setMemory{members: map[int]*memberRecord{}}
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	pod := &PodView{Phase: "Running", UID: "a"}
	down := &Member{Ordinal: 0, Name: "s-0", Pod: pod, Probe: &Probe{State: dataplane.StateUnknown}}
	mem.observe(down, t0, true)
	assert.Equal(t, t0, down.UnavailableSince)

	mem.followed(down, t0.Add(time.Minute))
	again := &Member{Ordinal: 0, Name: "s-0", Pod: pod, Probe: &Probe{State: dataplane.StateUnknown}}
	mem.observe(again, t0.Add(time.Minute+5*time.Second), true)
	assert.Equal(t, t0.Add(time.Minute+5*time.Second), again.UnavailableSince, "unavailable since the pass after it was started, not before")
}

// TestPromotionPositionOutlivesThePod proves the position a member was
// promoted at is recalled for its next pods, and forgotten once its data is
// discarded.
func TestPromotionPositionOutlivesThePod(t *testing.T) {
	mem := &setMemory{members: map[int]*memberRecord{}}
	mem.promoted(2, dataplane.Sequence(401))
	next := &Member{Ordinal: 2, Name: "s-2", Pod: &PodView{UID: "new"}}
	mem.recall(next, nil)
	assert.Equal(t, dataplane.Sequence(401), next.PromotedAt)

	mem.rebuilt(2)
	after := &Member{Ordinal: 2, Name: "s-2"}
	mem.recall(after, nil)
	assert.Nil(t, after.PromotedAt, "its data was discarded")
}
