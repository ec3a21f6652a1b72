package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

func main() {
	bin := flag.String("bin", "_output/vitess", "directory of the Vitess binaries")
	flag.Parse()
	invocations, err := rendered(flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "vitessflags:", err)
		os.Exit(2)
	}
	problems := check(*bin, invocations)
	for _, p := range problems {
		fmt.Println("NOT ACCEPTED:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
	fmt.Printf("all %d command lines accepted by the Vitess binaries in %s\n", len(invocations), *bin)
}

// invocation is one command line the operator renders or runs.
type invocation struct {
	binary     string // vttablet, vtctldclient, ...
	subcommand string // for vtctldclient
	flags      []string
	from       string
}

// rendered collects the command lines of every server of the given
// clusters, and of every vtctldclient command the operator runs.
func rendered(manifests []string) ([]invocation, error) {
	var out []invocation
	for _, path := range manifests {
		vc, err := readCluster(path)
		if err != nil {
			return nil, err
		}
		ch, err := vitess.Render(vc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		owner := metav1.OwnerReference{Name: vc.Name}
		for _, c := range ch.Cells {
			if c.Spec.Vtctld != nil {
				out = append(out, fromPod(&vitess.RenderVtctld(c, owner).Spec.Template.Spec, path)...)
			}
			if c.Spec.Vtgate != nil {
				d, _ := vitess.RenderVtgate(c, owner)
				out = append(out, fromPod(&d.Spec.Template.Spec, path)...)
				withAuth := c.DeepCopy()
				withAuth.Spec.Vtgate.Authentication = &v1alpha1.VtgateAuthentication{SecretName: "users"}
				d, _ = vitess.RenderVtgate(withAuth, owner)
				out = append(out, fromPod(&d.Spec.Template.Spec, path+" (with authentication)")...)
			}
			cmd, args := vitess.AddCellInfoCommand(c)
			out = append(out, subcommandLine(append([]string{"vtctldclient", "--server=x", cmd}, args...), path))
		}
		for _, ks := range ch.Keyspaces {
			cmd, args := vitess.CreateKeyspaceCommand(ks)
			out = append(out, subcommandLine(append([]string{"vtctldclient", "--server=x", cmd}, args...), path))
			cmd, args = vitess.SetDurabilityCommand(ks)
			out = append(out, subcommandLine(append([]string{"vtctldclient", "--server=x", cmd}, args...), path))
			for _, s := range ch.Shards[ks.Name] {
				s.Namespace = vc.Namespace
				pods, err := vitess.TabletPods(s)
				if err != nil {
					return nil, err
				}
				for _, p := range pods {
					out = append(out, fromPod(&p.Spec, path)...)
				}
			}
		}
	}
	return append(out, driverCommands()...), nil
}

// readCluster reads the VitessCluster of a manifest, in namespace default
// when the manifest names none.
func readCluster(path string) (*v1alpha1.VitessCluster, error) {
	vc, err := framework.ReadObject[v1alpha1.VitessCluster](path)
	if err != nil {
		return nil, err
	}
	if vc.Namespace == "" {
		vc.Namespace = "default"
	}
	return vc, nil
}

// fromPod returns the command lines of a pod's Vitess containers.
func fromPod(p *corev1.PodSpec, from string) []invocation {
	var out []invocation
	for _, c := range p.Containers {
		if len(c.Command) == 0 || !strings.HasPrefix(c.Command[0], "/vt/bin/") {
			continue
		}
		out = append(out, invocation{binary: filepath.Base(c.Command[0]), flags: flagNames(c.Args), from: from + " " + c.Name})
	}
	return out
}

func flagNames(args []string) []string {
	var names []string
	for _, a := range args {
		if strings.HasPrefix(a, "--") {
			name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			names = append(names, name)
		}
	}
	return names
}

// subcommandLine reads the command line of a binary with subcommands
// (vtctldclient, mysqlctl).
func subcommandLine(argv []string, from string) invocation {
	inv := invocation{binary: argv[0], from: from}
	for _, a := range argv[1:] {
		if strings.HasPrefix(a, "--") {
			name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			inv.flags = append(inv.flags, name)
		} else if inv.subcommand == "" {
			inv.subcommand = a
		}
	}
	return inv
}

// recorder is an executor that records the command lines the driver runs.
type recorder struct{ argv [][]string }

func (r *recorder) Exec(_ context.Context, _ dataplane.Target, argv []string) (dataplane.Result, error) {
	r.argv = append(r.argv, argv)
	return dataplane.Result{Stdout: "1\t\t0\n"}, nil
}

// driverCommands runs every method of the Vitess driver against a recorder.
func driverCommands() []invocation {
	rec := &recorder{}
	d := dataplane.NewVitess(rec, "vt-vtctld:15999", "ks", "-80")
	m := dataplane.Member{ID: "zone1-0000000101"}
	o := dataplane.Member{ID: "zone1-0000000102"}
	ctx := context.Background()
	_ = d.Seed(ctx, m, nil)
	_ = d.Promote(ctx, m, nil)
	_ = d.Failover(ctx, dataplane.Failover{To: m, From: &o})
	_ = d.Switchover(ctx, o, m)
	_ = d.Follow(ctx, m, nil)
	_ = d.Stop(ctx, m)
	_ = d.Forget(ctx, m, []string{o.ID})
	_ = d.ReleasePrimary(ctx, m, o.ID)
	// The probe runs these through sh, in one exec.
	rec.argv = append(rec.argv, d.GetFullStatusArgs(m.ID), d.GetTabletsArgs())
	// The rebuild runs mysqlctl teardown through sh.
	rec.argv = append(rec.argv, dataplane.TeardownArgs(101))
	// The backups of a shard, in a vtctld pod.
	v := dataplane.NewVtctld(rec, "vt-vtctld:15999", "ns", "vt-vtctld-0")
	_, _ = v.GetBackups(ctx, "ks", "-80")
	_ = v.TakeBackup(ctx, m.ID, false)
	_ = v.TakeBackup(ctx, m.ID, true)
	_ = v.RemoveBackup(ctx, "ks", "-80", "2026-12-06.120000.zone1-0000000101")
	var out []invocation
	for _, argv := range rec.argv {
		if argv[0] == "vtctldclient" || argv[0] == "mysqlctl" {
			out = append(out, subcommandLine(argv, "the vitess driver"))
		}
	}
	return out
}

var helpFlag = regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z0-9][a-z0-9_-]*)`)

// check returns the flags and subcommands a binary does not list in --help.
func check(bin string, invocations []invocation) []string {
	helps := map[string]map[string]bool{}
	help := func(args ...string) map[string]bool {
		key := strings.Join(args, " ")
		if h, ok := helps[key]; ok {
			return h
		}
		out, _ := exec.Command(filepath.Join(bin, args[0]), append(args[1:], "--help")...).CombinedOutput()
		h := map[string]bool{}
		for _, m := range helpFlag.FindAllStringSubmatch(string(out), -1) {
			h[m[1]] = true
		}
		if len(args) == 1 && (args[0] == "vtctldclient" || args[0] == "mysqlctl") {
			for _, line := range strings.Split(string(out), "\n") {
				if f := strings.Fields(line); len(f) > 0 && strings.HasPrefix(line, "  ") && !strings.HasPrefix(f[0], "-") {
					h["command:"+f[0]] = true
				}
			}
		}
		helps[key] = h
		return h
	}
	var problems []string
	for _, inv := range invocations {
		args := []string{inv.binary}
		if inv.subcommand != "" {
			if !help(inv.binary)["command:"+inv.subcommand] {
				problems = append(problems, fmt.Sprintf("%s has no command %s (%s)", inv.binary, inv.subcommand, inv.from))
				continue
			}
			args = append(args, inv.subcommand)
		}
		accepted := help(args...)
		if len(accepted) == 0 {
			problems = append(problems, fmt.Sprintf("%s --help listed no flags; is the binary in %s?", strings.Join(args, " "), bin))
			continue
		}
		for _, f := range inv.flags {
			if !accepted[f] {
				problems = append(problems, fmt.Sprintf("%s does not take --%s (%s)", strings.Join(args, " "), f, inv.from))
			}
		}
	}
	sort.Strings(problems)
	return dedupe(problems)
}

func dedupe(ss []string) []string {
	var out []string
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}
