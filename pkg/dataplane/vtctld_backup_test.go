package dataplane

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParseBackups reads GetBackups --json as vtctldclient prints it
// (protojson, proto field names), oldest first by the time in each name; a
// name without one sorts first and has no time.
func TestParseBackups(t *testing.T) {
	out := `{
  "backups": [
    {"name": "2026-12-06.030002.zone1-0000000102", "directory": "main/-80", "keyspace": "main", "shard": "-80",
     "tablet_alias": {"cell": "zone1", "uid": 102}, "time": {"seconds": "1796526002"}, "engine": "", "status": "UNKNOWN"},
    {"name": "2026-12-05.030001.zone1-0000000102", "directory": "main/-80"},
    {"name": "manual", "directory": "main/-80"}
  ]
}`
	backups, err := ParseBackups(out)
	require.NoError(t, err)
	require.Len(t, backups, 3)
	assert.Equal(t, "manual", backups[0].Name)
	assert.True(t, backups[0].Time.IsZero())
	assert.Equal(t, "2026-12-05.030001.zone1-0000000102", backups[1].Name)
	assert.Equal(t, time.Date(2026, 12, 6, 3, 0, 2, 0, time.UTC), backups[2].Time)

	_, err = ParseBackups("no backups here")
	assert.ErrorContains(t, err, "reading GetBackups output")
	none, err := ParseBackups(`{"backups": []}`)
	require.NoError(t, err)
	assert.Empty(t, none)
}

// TestTakeBackupRunsOutsideTheSlots proves a backup, which may take hours,
// never holds one of the exec slots the probes share, and runs with a
// timeout of its own instead of vtctldclient's hour.
func TestTakeBackupRunsOutsideTheSlots(t *testing.T) {
	rec := &slotRecorder{}
	limited := Limited(rec, 1)
	v := NewVtctld(limited, "vt-vtctld:15999", "ns", "vt-vtctld-0")
	// Hold the only slot: a command that needs one would wait for ever.
	release, err := limited.(*limitedExecutor).acquire(context.Background())
	require.NoError(t, err)
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	require.NoError(t, v.TakeBackup(ctx, "zone1-0000000102", false))
	assert.Equal(t, []string{"vtctldclient", "--server=vt-vtctld:15999", "--action-timeout=24h0m0s", "Backup", "zone1-0000000102"}, rec.argv)
}

type slotRecorder struct{ argv []string }

func (r *slotRecorder) Exec(_ context.Context, _ Target, argv []string) (Result, error) {
	r.argv = argv
	return Result{}, nil
}
