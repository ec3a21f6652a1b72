package vitess

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestTabletPodsHoldWhileWritable proves both containers of a tablet pod
// hold their termination while the tablet's own mysqld is writable, for up
// to half the grace period, which the spec can set.
func TestTabletPodsHoldWhileWritable(t *testing.T) {
	s := testShard()
	pods, err := TabletPods(s)
	require.NoError(t, err)
	p := pods[0]
	require.NotNil(t, p.Spec.TerminationGracePeriodSeconds)
	assert.Equal(t, int64(120), *p.Spec.TerminationGracePeriodSeconds)
	uid := ""
	for _, e := range p.Spec.Containers[0].Env {
		if e.Name == "TABLET_UID" {
			uid = e.Value
		}
	}
	require.NotEmpty(t, uid)
	for _, c := range p.Spec.Containers {
		require.NotNil(t, c.Lifecycle, c.Name)
		cmd := c.Lifecycle.PreStop.Exec.Command
		require.Len(t, cmd, 3, c.Name)
		assert.Equal(t, []string{"sh", "-c"}, cmd[:2])
		assert.Contains(t, cmd[2], "+ 60 ))", "half the grace period")
		assert.Contains(t, cmd[2], fmt.Sprintf("'--socket=/vt/vtdataroot/vt_%s/mysql.sock'", uid), "its own mysqld")
		assert.Contains(t, cmd[2], "'--execute=SELECT @@global.read_only'")
	}

	before, err := poolRevisions(s)
	require.NoError(t, err)
	grace := int64(600)
	s.Spec.Tablets.Defaults = &v1alpha1.TabletDefaults{TerminationGracePeriodSeconds: &grace}
	after, err := poolRevisions(s)
	require.NoError(t, err)
	assert.NotEqual(t, before, after, "a new grace period rolls the tablets")
	pods, err = TabletPods(s)
	require.NoError(t, err)
	assert.Equal(t, int64(600), *pods[0].Spec.TerminationGracePeriodSeconds)
	assert.Contains(t, pods[0].Spec.Containers[1].Lifecycle.PreStop.Exec.Command[2], "+ 300 ))")
}
