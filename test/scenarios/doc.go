// Package scenarios runs the Vitess driver of pkg/dataplane through the same
// scenarios on two substrates: real Vitess v24 processes on loopback
// (test/realvitess) and the tablet simulator (test/tabletsim). Both must give
// the same outcome for every scenario, so the simulator cannot drift from
// what Vitess does.
package scenarios
