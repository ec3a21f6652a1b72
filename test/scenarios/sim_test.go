package scenarios

import "testing"

// TestScenariosOnTheSimulator runs every scenario against tabletsim.
func TestScenariosOnTheSimulator(t *testing.T) {
	Run(t, func(t *testing.T, cfg Config) Substrate { return NewSim(t, cfg) })
}
