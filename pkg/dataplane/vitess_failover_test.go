package dataplane

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shardRecordAnswer answers as vtctld v24 does for a shard whose record
// names cell-uid its primary (none for an empty cell): GetShard prints the
// record, EmergencyReparentShard refuses an --expected-primary other than
// the record's (reparentutil/emergency_reparenter.go), anything else
// succeeds.
func shardRecordAnswer(cell string, uid uint32) func(Target, []string) (Result, error) {
	recorded, alias := "<nil>", "null"
	if cell != "" {
		recorded, alias = fmt.Sprintf("%s-%010d", cell, uid), fmt.Sprintf(`{"cell": %q, "uid": %d}`, cell, uid)
	}
	return func(_ Target, argv []string) (Result, error) {
		if len(argv) < 4 {
			return Result{}, nil
		}
		switch argv[3] {
		case "GetShard":
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
		case "EmergencyReparentShard":
			for _, a := range argv {
				if want, ok := strings.CutPrefix(a, "--expected-primary="); ok && want != recorded {
					return Result{ExitCode: 1, Stderr: fmt.Sprintf(`{"time":"2026-12-05T12:00:00Z","level":"ERROR","msg":"rpc error: code = FailedPrecondition desc = primary %s is not equal to expected alias %s"}`, recorded, want)}, nil
				}
			}
		}
		return Result{}, nil
	}
}

// TestVitessFailoverExpectsTheShardRecordsPrimary proves a failover that
// Vitess refuses because the shard record names another primary than the
// engine's is tried again expecting the record's primary, as long as the
// engine saw that one down; that a record naming a tablet that answered
// stops the failover; and that the common case is one command.
func TestVitessFailoverExpectsTheShardRecordsPrimary(t *testing.T) {
	from, to, other := vtMember("pod-from", "0000000100"), vtMember("pod-to", "0000000201"), vtMember("pod-x", "0000000300")
	for _, tc := range []struct {
		name     string
		record   uint32
		noRecord bool
		down     []string
		commands []string
		expected string
		err      string
	}{
		{name: "the record names the labelled primary", record: 100,
			commands: []string{"EmergencyReparentShard"}, expected: from.ID},
		{name: "the record is ahead of the labels, its primary down", record: 300, down: []string{other.ID},
			commands: []string{"EmergencyReparentShard", "GetShard", "EmergencyReparentShard"}, expected: other.ID},
		{name: "the record names the tablet to promote", record: 201,
			commands: []string{"EmergencyReparentShard", "GetShard", "EmergencyReparentShard"}},
		{name: "no primary recorded", noRecord: true,
			commands: []string{"EmergencyReparentShard", "GetShard", "EmergencyReparentShard"}},
		{name: "the record names a tablet that answered", record: 300,
			commands: []string{"EmergencyReparentShard", "GetShard"}, err: "which answered when the failover was decided"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cell := "us-east-1"
			if tc.noRecord {
				cell = ""
			}
			ex := &vtExec{answer: shardRecordAnswer(cell, tc.record)}
			err := NewVitess(ex, vtSrv, "main", "-80").Failover(context.Background(), Failover{To: to, From: &from, Down: tc.down})
			var commands []string
			for _, c := range ex.calls {
				commands = append(commands, c.argv[3])
			}
			assert.Equal(t, tc.commands, commands)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			var got string
			for _, a := range ex.calls[len(ex.calls)-1].argv {
				if v, ok := strings.CutPrefix(a, "--expected-primary="); ok {
					got = v
				}
			}
			assert.Equal(t, tc.expected, got)
		})
	}
}
