package dataplane

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVtctldRun proves a topology command runs in the vtctld container of
// the chosen pod, that "already exists" counts as done, and that a failure
// says which command failed and why, without vtctldclient's log header.
func TestVtctldRun(t *testing.T) {
	for _, tc := range []struct {
		name    string
		res     Result
		err     error
		wantErr string
	}{
		{name: "ok"},
		{name: "already exists", res: Result{ExitCode: 1, Stderr: "keyspace main already exists"}},
		{name: "fails", res: Result{ExitCode: 1, Stderr: "E0101 10:00:00.000000 1 main.go:1] rpc error: code = Unavailable desc = no topo"},
			wantErr: "vtctldclient AddCellInfo exited 1: Unavailable: no topo"},
		{name: "exec fails", err: errors.New("connection refused"), wantErr: "vtctldclient AddCellInfo: connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &vtExec{answer: func(Target, []string) (Result, error) { return tc.res, tc.err }}
			err := NewVtctld(e, vtSrv, "ns", "vitess-global-vtctld-0").Run(t.Context(), "AddCellInfo", "--root=/r", "zone1")
			if tc.wantErr == "" {
				require.NoError(t, err)
			} else {
				require.EqualError(t, err, tc.wantErr)
			}
			require.Len(t, e.calls, 1)
			assert.Equal(t, Target{Namespace: "ns", Pod: "vitess-global-vtctld-0", Container: "vtctld"}, e.calls[0].target)
			assert.Equal(t, []string{"vtctldclient", "--server=" + vtSrv, "AddCellInfo", "--root=/r", "zone1"}, e.calls[0].argv)
		})
	}
}
