package scenarios

import "testing"

// TestScenariosOnTheSimulator runs every scenario against tabletsim, beside
// the same scenarios on real Vitess.
func TestScenariosOnTheSimulator(t *testing.T) {
	t.Parallel()
	Run(t, func(t *testing.T, cfg Config) Substrate { return NewSim(t, cfg) })
}
