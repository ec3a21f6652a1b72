package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// vtctld is the simulated control plane of one Vitess cluster: the topology
// it keeps (cells, keyspaces, shard primaries) and the tablets it reaches
// through the registry.
type vtctld struct {
	sim  sim
	topo string
	out  io.Writer
}

// runVtctldclient answers the vtctldclient commands the operator sends, in
// the form it sends them (--server=ADDR COMMAND --flag=value... ARGS).
func runVtctldclient(s sim, args []string, stdout, stderr io.Writer) int {
	flags, rest, err := parseFlags(args)
	if err != nil || flags["server"] == "" || len(rest) == 0 {
		fmt.Fprintf(stderr, "vtctldclient (tabletsim): want --server=ADDR COMMAND ..., got %v\n", args)
		return 2
	}
	// Flags after the command belong to it; parseFlags collected them all.
	delete(flags, "server")
	key := strings.NewReplacer(":", "_", "/", "_").Replace(serverOf(args))
	v := vtctld{sim: s, topo: filepath.Join(s.reg.root, "topo", s.self.namespace, key), out: stdout}
	if err := os.MkdirAll(v.topo, 0o755); err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	unlock, err := lockDir(v.topo)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer unlock()
	cmd, pos := rest[0], rest[1:]
	handlers := map[string]func(map[string]string, []string) error{
		"AddCellInfo":            v.addCellInfo,
		"CreateKeyspace":         v.createKeyspace,
		"PlannedReparentShard":   v.plannedReparent,
		"EmergencyReparentShard": v.emergencyReparent,
		"StartReplication":       v.startReplication,
		"StopReplication":        v.stopReplication,
	}
	h, ok := handlers[cmd]
	if !ok {
		fmt.Fprintf(stderr, "vtctldclient (tabletsim): unknown command %q\n", cmd)
		return 2
	}
	if err := h(flags, pos); err != nil {
		fmt.Fprintf(stderr, "E1123 vtctldclient (tabletsim) %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

func serverOf(args []string) string {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--server="); ok {
			return v
		}
	}
	return ""
}

func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { _ = f.Close() }, nil
}

// exactlyOne checks that a command got one positional argument.
func exactlyOne(cmd string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("%s takes exactly one argument, got %v", cmd, pos)
	}
	return pos[0], nil
}

func (v vtctld) addCellInfo(flags map[string]string, pos []string) error {
	cell, err := exactlyOne("AddCellInfo", pos)
	if err != nil {
		return err
	}
	if flags["root"] == "" {
		return errors.New("--root is required")
	}
	path := filepath.Join(v.topo, "cells", cell+".json")
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("node already exists: cells/%s", cell)
	}
	return writeJSON(path, map[string]string{"root": flags["root"], "server_address": flags["server-address"]})
}

func (v vtctld) createKeyspace(flags map[string]string, pos []string) error {
	ks, err := exactlyOne("CreateKeyspace", pos)
	if err != nil {
		return err
	}
	path := filepath.Join(v.topo, "keyspaces", ks+".json")
	if _, err := os.Stat(path); err == nil {
		if _, force := flags["force"]; force {
			return nil
		}
		return fmt.Errorf("node already exists: keyspaces/%s", ks)
	}
	return writeJSON(path, map[string]string{"name": ks})
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// tablets returns the registered tablets of keyspace/shard, sorted by name.
func (v vtctld) tablets(keyspaceShard string) ([]member, error) {
	ks, shard, ok := strings.Cut(keyspaceShard, "/")
	if !ok {
		return nil, fmt.Errorf("%q is not keyspace/shard", keyspaceShard)
	}
	all, err := v.sim.reg.members(v.sim.self.namespace)
	if err != nil {
		return nil, err
	}
	var out []member
	for _, m := range all {
		if m.env["TABLET_KEYSPACE"] == ks && m.env["TABLET_SHARD"] == shard {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// tablet finds a tablet by alias among all registered members.
func (v vtctld) tablet(alias string) (member, error) {
	all, err := v.sim.reg.members(v.sim.self.namespace)
	if err != nil {
		return member{}, err
	}
	for _, m := range all {
		if m.env["TABLET_ALIAS"] == alias {
			return m, nil
		}
	}
	return member{}, fmt.Errorf("tablet %s not found", alias)
}
