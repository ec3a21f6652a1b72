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
	b := &bench{cluster: c, out: *out, logLevel: *logLevel, keep: *keep}
	base, err := framework.ReadObject[v1alpha1.VitessCluster](filepath.Join(c.Root, "example", "my-vitess.yaml"))
	if err != nil {
		return err
	}

	var results []bringUp
	var op, sts latencies
	for i, n := range counts {
		vc, err := benchCluster(base, *keyspaces, n)
		if err != nil {
			return err
		}
		var opAfter, stsAfter func(string) error
		if i == 0 {
			opAfter = func(ns string) error {
				b.logf("%d tablet replacements and %d failovers", *replacements, *failovers)
				op, err = b.shardLatencies(ctx, ns, *replacements, *failovers)
				return err
			}
			stsAfter = func(ns string) error {
				b.logf("%d StatefulSet pod replacements", *replacements)
				sts, err = b.statefulSetLatencies(ctx, ns, n, *replacements)
				return err
			}
		}
		b.logf("bring-up of %d shards (%d tablets): operator", n, n*tabletsPerShard)
		took, pods, err := b.operatorBringUp(ctx, vc, opAfter)
		if err != nil {
			return fmt.Errorf("%d shards, operator: %w", n, err)
		}
		b.logf("operator: %v for %d tablet pods; StatefulSets next", took.Round(time.Millisecond), pods)
		stsTook, err := b.statefulSetBringUp(ctx, n, stsAfter)
		if err != nil {
			return fmt.Errorf("%d shards, StatefulSets: %w", n, err)
		}
		b.logf("StatefulSets: %v", stsTook.Round(time.Millisecond))
		results = append(results, bringUp{Shards: n, Pods: pods, Operator: took, StatefulSets: stsTook})
	}
	report(os.Stdout, results, op, sts)
	if err := writeCSV(filepath.Join(*out, "results.csv"), results, op, sts); err != nil {
		return err
	}
	if err := writeChart(filepath.Join(*out, "bringup.svg"), results); err != nil {
		return err
	}
	b.logf("wrote %s and %s", filepath.Join(*out, "results.csv"), filepath.Join(*out, "bringup.svg"))
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
