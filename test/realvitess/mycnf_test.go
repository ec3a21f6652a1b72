package realvitess

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/test/scenarios"
)

// TestMyCnfFragmentReachesMysqld renders a pool with a my.cnf fragment as
// the operator does (an annotation, a downward API file, EXTRA_MY_CNF on
// the mysqld container) and reads the setting back from the running mysqld
// that mysqlctld configured: it reached the tablet's configuration.
func TestMyCnfFragmentReachesMysqld(t *testing.T) {
	skipUnlessBuilt(t)
	s := newShard(t, scenarios.Config{Cell: "zone1", Keyspace: "ks", Shard: "0", Replicas: 1, Durability: "none",
		MyCnf: "max_connections = 321\nlock_wait_timeout = 77\n"})
	tablet := s.Tablets()[0]
	out, err := s.Query(s.ctx, tablet, "SELECT @@global.max_connections, @@global.lock_wait_timeout")
	require.NoError(t, err)
	assert.Equal(t, "321\t77", strings.TrimSpace(out))
}
