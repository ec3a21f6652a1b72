// Command vitessflags checks that every flag the operator renders for a
// Vitess server, and every vtctldclient command and flag its driver and
// reconcilers run, is accepted by the real binaries of the pinned Vitess
// release, by reading their --help. hack/verify-vitess-flags.sh builds the
// binaries and runs it.
package main
