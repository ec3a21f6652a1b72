package replication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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
