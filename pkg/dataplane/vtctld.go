package dataplane

import (
	"context"
	"fmt"
	"strings"
)

// VtctldContainer is the container of a vtctld pod that runs vtctldclient.
const VtctldContainer = "vtctld"

// Vtctld runs the vtctldclient commands that change a cluster's topology
// rather than one shard's tablets: registering a cell, creating a keyspace,
// setting its durability policy. They run in a vtctld pod, since a cell or
// keyspace is registered before any tablet of it exists. The caller picks
// the pod; everything about running the command is here, beside the shard
// driver (Vitess), so that every exec of a Vitess command lives in this
// package.
type Vtctld struct {
	exec   Executor
	server string
	target Target
}

// NewVtctld returns the runner that execs into the vtctld container of pod
// in namespace and reaches vtctld at server.
func NewVtctld(exec Executor, server, namespace, pod string) Vtctld {
	return Vtctld{exec: exec, server: server, target: Target{Namespace: namespace, Pod: pod, Container: VtctldContainer}}
}

// Run runs one vtctldclient command. A command whose output says the object
// exists already has done its job: the operator registers an object once
// and records it, and a pass cut short after the command ran asks again.
func (v Vtctld) Run(ctx context.Context, command string, args ...string) error {
	res, err := v.exec.Exec(ctx, v.target, VtctldclientArgs(v.server, command, args...))
	if err != nil {
		return fmt.Errorf("vtctldclient %s: %w", command, err)
	}
	if res.ExitCode != 0 {
		if strings.Contains(res.Stderr+res.Stdout, "already exists") {
			return nil
		}
		return fmt.Errorf("vtctldclient %s exited %d: %s", command, res.ExitCode, safeOutput(VtctldError(res.Stderr+res.Stdout)))
	}
	return nil
}
