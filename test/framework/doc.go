// Package framework is the end-to-end test harness: it brings up the local
// control plane from hack/, installs the CRDs, gives each test a fresh
// namespace, runs the operator as a separate process built from this tree,
// and waits on conditions by watching.
package framework
