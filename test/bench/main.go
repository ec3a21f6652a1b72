package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// bench is one run of the benchmark.
type bench struct {
	cluster  *framework.Cluster
	out      string
	logLevel string
	keep     bool
	// tmp holds the operators' kubeconfigs.
	tmp string
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	shardList := flag.String("shards", "16,64,256", "shard counts to bring up, comma-separated")
	keyspaces := flag.Int("keyspaces", 4, "keyspaces the shards are spread over")
	out := flag.String("out", "_output/bench", "directory for results.csv and bringup.svg, under the repository root when relative")
	timeout := flag.Duration("timeout", 60*time.Minute, "how long the whole run may take")
	replacements := flag.Int("replacements", 50, "pods deleted to time their replacement, per system, at the smallest shard count")
	failovers := flag.Int("failovers", 20, "primaries deleted to time the failover, at the smallest shard count")
	idle := flag.Duration("idle", 10*time.Minute, "how long the cluster of the largest shard count is left alone to measure the idle cost; 0 skips it")
	keep := flag.Bool("keep", false, "keep each measurement's namespace (and its operator's objects) for inspection")
	logLevel := flag.String("operator-log-level", "info", "--log-level of the operators the run starts (logs in _output/logs/e2e)")
	flag.Parse()
	counts, err := parseCounts(*shardList)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	c, err := framework.Setup(ctx)
	if err != nil {
		return err
	}
	if !filepath.IsAbs(*out) {
		*out = filepath.Join(c.Root, *out)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	b := &bench{cluster: c, out: *out, logLevel: *logLevel, keep: *keep, tmp: tmp}
	base, err := framework.ReadObject[v1alpha1.VitessCluster](filepath.Join(c.Root, "example", "my-vitess.yaml"))
	if err != nil {
		return err
	}

	var m measurements
	for i, n := range counts {
		vc, err := benchCluster(base, *keyspaces, n)
		if err != nil {
			return err
		}
		first, last := i == 0, i == len(counts)-1
		opAfter := func(rc *readyCluster) error {
			if last {
				if err := b.idleAndRestart(ctx, rc, *idle, &m); err != nil {
					return err
				}
			}
			if first {
				b.logf("%d tablet replacements and %d failovers", *replacements, *failovers)
				m.Operator, err = b.shardLatencies(ctx, rc.Namespace, *replacements, *failovers)
				return err
			}
			return nil
		}
		var stsAfter func(string) error
		if first {
			stsAfter = func(ns string) error {
				b.logf("%d StatefulSet pod replacements", *replacements)
				m.StatefulSet, err = b.statefulSetLatencies(ctx, ns, n, *replacements)
				return err
			}
		}
		b.logf("bring-up of %d shards (%d tablets): operator", n, n*tabletsPerShard)
		r, err := b.operatorBringUp(ctx, vc, opAfter)
		if err != nil {
			return fmt.Errorf("%d shards, operator: %w", n, err)
		}
		r.Shards = n
		b.logf("operator: %v for %d tablet pods; StatefulSets next", r.Operator.Round(time.Millisecond), r.Pods)
		if r.StatefulSets, err = b.statefulSetBringUp(ctx, n, stsAfter); err != nil {
			return fmt.Errorf("%d shards, StatefulSets: %w", n, err)
		}
		b.logf("StatefulSets: %v", r.StatefulSets.Round(time.Millisecond))
		m.BringUps = append(m.BringUps, r)
	}
	report(os.Stdout, m)
	if err := writeCSV(filepath.Join(*out, "results.csv"), m); err != nil {
		return err
	}
	if err := writeChart(filepath.Join(*out, "bringup.svg"), m.BringUps); err != nil {
		return err
	}
	b.logf("wrote %s and %s", filepath.Join(*out, "results.csv"), filepath.Join(*out, "bringup.svg"))
	return nil
}

// measurements are everything one run measured.
type measurements struct {
	BringUps []bringUp
	// Operator and StatefulSet are the recovery latencies at the smallest
	// shard count.
	Operator, StatefulSet latencies
	// Idle and Restart are measured at the largest shard count; Idle is
	// zero when skipped.
	Idle    idleCost
	Restart restartCost
}

// idleAndRestart measures the idle cost of the Ready cluster rc for d,
// unless d is zero, and then the restart of its operator.
func (b *bench) idleAndRestart(ctx context.Context, rc *readyCluster, d time.Duration, m *measurements) error {
	var err error
	if d > 0 {
		b.logf("idle for %v", d)
		if m.Idle, err = b.measureIdle(ctx, rc.Namespace, rc.Operator, d); err != nil {
			return fmt.Errorf("idle: %w", err)
		}
	}
	b.logf("restart: SIGKILL the operator and start another")
	var next *framework.Operator
	m.Restart, next, err = b.measureRestart(ctx, rc)
	if next != nil {
		rc.Operator = next
	}
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	return nil
}

// parseCounts reads a comma-separated list of positive shard counts.
func parseCounts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--shards: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}
