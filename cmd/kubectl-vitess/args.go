package main

import (
	"errors"
	"fmt"
	"strings"
)

// globalFlags choose the cluster and namespace, as kubectl's do.
type globalFlags struct {
	kubeconfig, context, namespace string
}

// invocation is one parsed command line.
type invocation struct {
	global  globalFlags
	command string
	// target is the cluster or shard the command names; to the switchover
	// target; rest the vtctldclient arguments after --.
	target, to string
	rest       []string
	// positions is how status shows replication positions: short (the
	// default), full or off.
	positions string
}

// parseArgs reads kubectl-style global flags anywhere before --, then the
// command and its arguments.
func parseArgs(args []string) (invocation, error) {
	var inv invocation
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			inv.rest = append([]string(nil), args[i+1:]...)
			break
		}
		name, value, hasValue := strings.Cut(a, "=")
		var dst *string
		switch name {
		case "--kubeconfig":
			dst = &inv.global.kubeconfig
		case "--context":
			dst = &inv.global.context
		case "-n", "--namespace":
			dst = &inv.global.namespace
		case "--to":
			dst = &inv.to
		case "--positions":
			dst = &inv.positions
		case "-h", "--help", "help":
			inv.command = "help"
			return inv, nil
		default:
			if strings.HasPrefix(a, "-") {
				return inv, fmt.Errorf("unknown flag %s", a)
			}
			positional = append(positional, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return inv, fmt.Errorf("flag %s needs a value", name)
			}
			i++
			value = args[i]
		}
		*dst = value
	}
	if len(positional) == 0 {
		return inv, errors.New("no command")
	}
	inv.command, positional = positional[0], positional[1:]
	return inv, checkArity(&inv, positional)
}

// checkArity takes the command's positional arguments.
func checkArity(inv *invocation, positional []string) error {
	switch inv.command {
	case "status", "vtctldclient":
		if len(positional) > 1 {
			return fmt.Errorf("%s takes at most one cluster, got %v", inv.command, positional)
		}
	case "switchover", "pause", "resume":
		if len(positional) != 1 {
			return fmt.Errorf("%s takes exactly one %s", inv.command, map[bool]string{true: "shard", false: "cluster"}[inv.command == "switchover"])
		}
	default:
		return fmt.Errorf("unknown command %q", inv.command)
	}
	if inv.to != "" && inv.command != "switchover" {
		return errors.New("--to is a flag of switchover")
	}
	if inv.positions != "" && inv.command != "status" {
		return errors.New("--positions is a flag of status")
	}
	switch inv.positions {
	case "", positionsShort, positionsFull, positionsOff:
	default:
		return fmt.Errorf("--positions is %s, %s or %s, not %q", positionsShort, positionsFull, positionsOff, inv.positions)
	}
	if inv.command == "vtctldclient" && len(inv.rest) == 0 {
		return errors.New("vtctldclient needs its arguments after --")
	}
	if len(positional) == 1 {
		inv.target = positional[0]
	}
	return nil
}
