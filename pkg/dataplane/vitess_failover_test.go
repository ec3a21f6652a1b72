package dataplane

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shardRecordAnswer answers GetShard with a record naming cell-uid its
// primary (no primary for an empty cell), as vtctldclient v24 prints it,
// and every other command with success.
func shardRecordAnswer(cell string, uid uint32) func(Target, []string) (Result, error) {
	return func(_ Target, argv []string) (Result, error) {
		if len(argv) < 4 || argv[3] != "GetShard" {
			return Result{}, nil
		}
		alias := "null"
		if cell != "" {
			alias = fmt.Sprintf(`{"cell": %q, "uid": %d}`, cell, uid)
		}
		return Result{Stdout: fmt.Sprintf(`{
  "keyspace": "main",
  "name": "-80",
  "shard": {
    "primary_alias": %s,
    "primary_term_start_time": null,
    "key_range": {"start": "", "end": "gA=="},
    "source_shards": [],
    "tablet_controls": [],
    "is_primary_serving": true
  }
}`, alias)}, nil
	}
}

// TestVitessFailoverExpectsTheShardRecordsPrimary proves the primary a
// failover expects is the one the topology's shard record names, not the
// one the operator's labels name, as long as the engine saw it down; and
// that a record naming a tablet that answered stops the failover.
func TestVitessFailoverExpectsTheShardRecordsPrimary(t *testing.T) {
	from, to, other := vtMember("pod-from", "0000000100"), vtMember("pod-to", "0000000201"), vtMember("pod-x", "0000000300")
	for _, tc := range []struct {
		name     string
		record   uint32
		noRecord bool
		down     []string
		expected string
		err      string
	}{
		{name: "the record names the labelled primary", record: 100, expected: from.ID},
		{name: "the record is ahead of the labels, its primary down", record: 300, down: []string{other.ID}, expected: other.ID},
		{name: "the record names the tablet to promote", record: 201},
		{name: "no primary recorded", noRecord: true},
		{name: "the record names a tablet that answered", record: 300, err: "which answered when the failover was decided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cell := "us-east-1"
			if tc.noRecord {
				cell = ""
			}
			ex := &vtExec{answer: shardRecordAnswer(cell, tc.record)}
			err := NewVitess(ex, vtSrv, "main", "-80").Failover(context.Background(), Failover{To: to, From: &from, Down: tc.down})
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				assert.Len(t, ex.calls, 1, "no reparent")
				return
			}
			require.NoError(t, err)
			require.Len(t, ex.calls, 2)
			ers := ex.calls[1].argv
			assert.Equal(t, "EmergencyReparentShard", ers[3])
			var got string
			for _, a := range ers {
				if v, ok := strings.CutPrefix(a, "--expected-primary="); ok {
					got = v
				}
			}
			assert.Equal(t, tc.expected, got)
		})
	}
}
