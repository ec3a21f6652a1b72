package dataplane

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// leakyOutput is what a careless hook might print: a secret in three common
// spellings, terminal escapes, and far more than fits a condition message.
func leakyOutput() string {
	return "connect failed: mysql -uapp -phunter2 --password=hunter2 dsn app:hunter2@tcp(db:3306)/x\r\n\x1b[31merror\x1b[0m\n" +
		strings.Repeat("noise ", 400)
}

// assertSafe checks that s carries no secret, no control character, and is
// bounded.
func assertSafe(t *testing.T, s string) {
	t.Helper()
	assert.NotContains(t, s, "hunter2")
	assert.NotContains(t, s, "\x1b")
	assert.NotContains(t, s, "\n")
	assert.Contains(t, s, "[redacted]")
	assert.Contains(t, s, "bytes cut]")
	assert.Less(t, len(s), 700, "bounded to about redact.Limit")
}

// TestHookOutputReachesStatusAndErrorsRedacted proves that what a hook
// prints is masked, put on one line and bounded before it becomes a
// member's status detail or an error (which the engine puts into Events,
// conditions and logs).
func TestHookOutputReachesStatusAndErrorsRedacted(t *testing.T) {
	ex := &fakeExec{res: Result{ExitCode: 1, Stderr: leakyOutput()}}
	c := NewCommands(ex, testCommands())
	st, detail := c.Status(context.Background(), member0)
	assert.Equal(t, StateFailed, st)
	assertSafe(t, detail)

	err := c.Stop(context.Background(), member0)
	require.Error(t, err)
	assertSafe(t, err.Error())

	_, err = c.Position(context.Background(), member0)
	require.Error(t, err)
	assertSafe(t, err.Error())
}

// TestVtctldclientOutputReachesErrorsRedacted proves the same for what
// vtctldclient prints when a reparent fails.
func TestVtctldclientOutputReachesErrorsRedacted(t *testing.T) {
	ex := &fakeExec{res: Result{ExitCode: 1, Stderr: leakyOutput()}}
	v := NewVitess(ex, "vtctld:15999", "main", "-80")
	m := Member{Target: Target{Namespace: "ns", Pod: "t-0"}, ID: "zone1-100"}
	err := v.Seed(context.Background(), m, nil)
	require.Error(t, err)
	assertSafe(t, err.Error())
}
