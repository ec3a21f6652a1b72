package scenarios_test

import (
	"testing"

	"github.com/vitess-operator/vitess-operator/test/realvitess"
	"github.com/vitess-operator/vitess-operator/test/scenarios"
)

// TestScenariosOnRealVitess runs every scenario against real Vitess v24
// processes (test/realvitess); it is skipped unless REAL_VITESS_BIN names the
// binaries hack/real-vitess.sh builds, which make test-scenarios does.
func TestScenariosOnRealVitess(t *testing.T) {
	t.Parallel()
	scenarios.Run(t, func(t *testing.T, cfg scenarios.Config) scenarios.Substrate { return realvitess.New(t, cfg) })
}
