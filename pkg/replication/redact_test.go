package replication

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// leakyDriver is a data plane whose seed hook fails printing a password and
// a page of output.
type leakyDriver struct{ *fakeDriver }

func (d leakyDriver) Seed(_ context.Context, m dataplane.Member, _ []string) error {
	return &dataplane.HookError{Hook: "seed", Member: m.Pod, ExitCode: 1,
		Stderr: "mysql -uroot -phunter2: Access denied\n\x1b[31m" + strings.Repeat("noise ", 500)}
}

// TestHookOutputReachesEventsAndStatusRedacted proves, through the engine,
// that a failing hook's output reaches the set's Events and conditions
// masked, on one line and bounded. (The sinks sanitize again: pkg/redact's
// recorder, pkg/k8s's SetObjectStatus.)
func TestHookOutputReachesEventsAndStatusRedacted(t *testing.T) {
	h := newHarness(t, 3, 1)
	h.set.driver = leakyDriver{h.driver}
	for i := 0; i < 30 && h.eventCount("SeedFailed") == 0; i++ {
		h.pass()
	}
	require.Positive(t, h.eventCount("SeedFailed"), "the seed was attempted and failed")
	var failed string
	for _, e := range h.events {
		if strings.Fields(e)[1] == "SeedFailed" {
			failed = e
		}
		assert.NotContains(t, e, "hunter2")
		assert.NotContains(t, e, "\x1b")
		assert.Less(t, len(e), 1024, "an event is not bounded")
	}
	assert.Contains(t, failed, "-p[redacted] Access denied", "the failure is reported, masked")
	assert.Contains(t, failed, "bytes cut]")
	for _, c := range h.set.lastReport().Conditions {
		assert.NotContains(t, c.Message, "hunter2")
	}
}
