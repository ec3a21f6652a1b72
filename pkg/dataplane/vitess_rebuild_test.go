package dataplane

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVitessRebuildTearsTheTabletDown proves a rebuild runs mysqlctl
// teardown in the tablet's mysqld container with the UID in decimal (the
// alias pads it with zeros, which mysqlctl would read as octal), removes
// the tablet directory with its my.cnf, and that a teardown that fails is
// an error.
func TestVitessRebuildTearsTheTabletDown(t *testing.T) {
	m := vtMember("p", "0000000100")
	ex := &vtExec{answer: func(Target, []string) (Result, error) { return Result{}, nil }}
	require.NoError(t, NewVitess(ex, vtSrv, "main", "-80").Rebuild(context.Background(), m))
	require.Len(t, ex.calls, 1)
	assert.Equal(t, MysqldContainer, ex.calls[0].target.Container)
	assert.Equal(t, []string{"sh", "-c", "mysqlctl --tablet-uid=100 teardown --force --wait-time=20s; s=$?; " +
		"rm -rf '/vt/vtdataroot/vt_0000000100' && exit $s"}, ex.calls[0].argv)

	ex = &vtExec{answer: func(Target, []string) (Result, error) {
		return Result{ExitCode: 1, Stderr: "failed to find mysql config"}, nil
	}}
	var hook *HookError
	require.ErrorAs(t, NewVitess(ex, vtSrv, "main", "-80").Rebuild(context.Background(), m), &hook)
	assert.Contains(t, hook.Stderr, "mysql config")
}
