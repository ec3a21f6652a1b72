// Command kubectl-vitess is a kubectl plugin for the day-to-day commands of
// clusters the vitess-operator runs: install it on the PATH
// (go install ./cmd/kubectl-vitess) and run it as kubectl vitess.
//
//	kubectl vitess status [CLUSTER] [--positions=short|full|off]  the cluster as a tree, with positions and recent Events
//	kubectl vitess switchover SHARD [--to TABLET] move a shard's primary by a planned reparent
//	kubectl vitess pause|resume CLUSTER         stop or resume every action of the operator
//	kubectl vitess vtctldclient [CLUSTER] -- ARGS  run vtctldclient in the cluster's vtctld pod
//
// SHARD is a VitessShard's name or KEYSPACE/SHARD; TABLET a tablet alias or
// pod name. Global flags: --kubeconfig, --context, -n/--namespace.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the command line, connects and runs one command; it returns
// the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	inv, err := parseArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, "kubectl vitess:", err)
		fmt.Fprint(stderr, usage)
		return 2
	}
	if inv.command == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	c, err := connect(inv.global)
	if err != nil {
		fmt.Fprintln(stderr, "kubectl vitess:", err)
		return 1
	}
	code, err := c.dispatch(ctx, inv, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "kubectl vitess:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

const usage = `usage: kubectl vitess [--kubeconfig FILE] [--context NAME] [-n NAMESPACE] COMMAND
  status [CLUSTER]                  the cluster (every one in the namespace if none is named) as a tree
    [--positions=short|full|off]    each tablet's replication position, read from vtctld (default short)
  switchover SHARD [--to TABLET]    move SHARD's primary to TABLET, or to a ready replica
  pause CLUSTER | resume CLUSTER    stop or resume every action of the operator on CLUSTER
  vtctldclient [CLUSTER] -- ARGS    run vtctldclient ARGS in CLUSTER's vtctld pod
`
