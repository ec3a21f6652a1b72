package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// Targets of issue 9 (doc/benchmarks.md).
const (
	targetRatio           = 0.5
	targetBringUp         = 30 * time.Second
	targetCreatedMedian   = 200 * time.Millisecond
	targetCreatedP99      = time.Second
	targetFailoverMedian  = 500 * time.Millisecond
	targetFailoverP99     = 2 * time.Second
	targetIdleCoreShare   = 0.01
	targetIdlePeakRSS     = 150 << 20
	targetRestartConfirm  = 10 * time.Second
	targetRequestsPerPod  = 3.0
	targetIdleWrites      = 0
	targetRestartDisrupts = 0
)

// report prints the tables of one run and a PASS or MISS row per target.
func report(w io.Writer, m measurements) {
	fmt.Fprintf(w, "%-7s %-6s %-10s %-12s %-6s %-13s %-12s %-15s %-18s\n", "shards", "pods", "operator", "statefulsets",
		"ratio", "requests/pod", "execs/pod", "passes/obj/min", "shard pass api/exec")
	for _, r := range m.BringUps {
		fmt.Fprintf(w, "%-7d %-6d %-10s %-12s %-6.2f %-13.1f %-12.1f %-15.1f %.1f / %.1f\n", r.Shards, r.Pods,
			seconds(r.Operator), seconds(r.StatefulSets), ratio(r), perTablet(r.Cost.Requests, r.Pods),
			perTablet(r.Cost.Execs, r.Pods), r.Cost.Passes.PerObjectMinute, r.Cost.Passes.ShardAPI, r.Cost.Passes.ShardExecs)
	}
	reportLatencies(w, m.Operator, m.StatefulSet)
	reportIdle(w, m.Idle)
	reportRestart(w, m.Restart)
	reportTargets(w, m)
}

// reportLatencies prints the recovery latencies of both systems.
func reportLatencies(w io.Writer, op, sts latencies) {
	fmt.Fprintf(w, "\n%-52s %-8s %-10s %-10s\n", "latency", "samples", "median", "p99")
	row := func(name string, s samples) {
		if len(s) > 0 {
			fmt.Fprintf(w, "%-52s %-8d %-10s %-10s\n", name, len(s), ms(s.quantile(0.5)), ms(s.quantile(0.99)))
		}
	}
	row("operator: tablet deleted -> replacement created", op.Created)
	row("operator: tablet deleted -> replacement Ready", op.Ready)
	row("StatefulSet: pod deleted -> replacement created", sts.Created)
	row("StatefulSet: pod deleted -> replacement Ready", sts.Ready)
	row("operator: primary deleted -> new primary in status", op.Failover)
}

// reportIdle prints the idle cost, if it was measured.
func reportIdle(w io.Writer, c idleCost) {
	if c.Duration == 0 {
		return
	}
	fmt.Fprintf(w, "\nin the %s after the cluster was Ready (until no shard reported progress, at least %v): %d writes (%v)\n",
		seconds(c.Settled), idleSettle, c.Settling.Writes, c.Settling.ByKind)
	fmt.Fprintf(w, "idle for %v after that: %d writes (%v) and %d Lease renewals, %d execs, CPU %.2f s (%.2f%% of a core), peak RSS %.1f MiB,\n"+
		"  %.2f passes per object per minute, a shard pass %.2f API requests and %.2f execs\n",
		c.Duration.Round(time.Second), c.Audit.Writes, c.Audit.ByKind, c.Audit.LeaseRenewals, c.Audit.Execs, c.CPU.Seconds(), 100*c.CoreShare(),
		float64(c.PeakRSS)/(1<<20), c.Passes.PerObjectMinute, c.Passes.ShardAPI, c.Passes.ShardExecs)
	if c.Audit.Writes > 0 {
		fmt.Fprintf(w, "  the last write came %s after the idle interval began\n", seconds(c.Audit.LastWrite.Sub(c.Start)))
	}
}

// reportRestart prints the restart measurement, if there was one.
func reportRestart(w io.Writer, c restartCost) {
	if c.Objects == 0 {
		return
	}
	fmt.Fprintf(w, "\nrestart (SIGKILL): %d objects confirmed after %s; in that time and %v more: "+
		"%d pod or claim creations or deletions, %d reparents, %d writes (%v)\n",
		c.Objects, seconds(c.Confirmed), restartSettle, c.Audit.PodOrClaimChanges, c.Audit.Reparents, c.Audit.Writes, c.Audit.ByKind)
}

// reportTargets prints a PASS or MISS row for each target that was measured.
func reportTargets(w io.Writer, m measurements) {
	fmt.Fprintln(w)
	row := func(name string, ok bool) { fmt.Fprintf(w, "%-64s %s\n", name, verdict(ok)) }
	if len(m.BringUps) > 0 {
		last := m.BringUps[len(m.BringUps)-1]
		row(fmt.Sprintf("bring-up at %d shards: operator ≤ %.1f × StatefulSets", last.Shards, targetRatio), ratio(last) <= targetRatio)
		row(fmt.Sprintf("bring-up at %d shards: operator ≤ %v", last.Shards, targetBringUp), last.Operator <= targetBringUp)
		row(fmt.Sprintf("bring-up at %d shards: ≤ %.0f API requests per tablet created", last.Shards, targetRequestsPerPod),
			perTablet(last.Cost.Requests, last.Pods) <= targetRequestsPerPod)
	}
	quantile := func(name string, s samples, q float64, limit time.Duration) {
		if len(s) > 0 {
			row(name, s.quantile(q) <= limit)
		}
	}
	quantile(fmt.Sprintf("replacement created: median ≤ %v", targetCreatedMedian), m.Operator.Created, 0.5, targetCreatedMedian)
	quantile(fmt.Sprintf("replacement created: p99 ≤ %v", targetCreatedP99), m.Operator.Created, 0.99, targetCreatedP99)
	quantile(fmt.Sprintf("failover: median ≤ %v", targetFailoverMedian), m.Operator.Failover, 0.5, targetFailoverMedian)
	quantile(fmt.Sprintf("failover: p99 ≤ %v", targetFailoverP99), m.Operator.Failover, 0.99, targetFailoverP99)
	if m.Idle.Duration > 0 {
		row("idle: 0 writes (Lease renewals apart)", m.Idle.Audit.Writes <= targetIdleWrites)
		row(fmt.Sprintf("idle: ≤ %.0f%% of a core", 100*targetIdleCoreShare), m.Idle.CoreShare() <= targetIdleCoreShare)
		row("idle: peak RSS ≤ 150 MiB", m.Idle.PeakRSS <= targetIdlePeakRSS)
	}
	if m.Restart.Objects > 0 {
		row("restart: 0 pod/claim creations or deletions, 0 reparents",
			m.Restart.Audit.PodOrClaimChanges+m.Restart.Audit.Reparents <= targetRestartDisrupts)
		row(fmt.Sprintf("restart: every object confirmed within %v", targetRestartConfirm), m.Restart.Confirmed <= targetRestartConfirm)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func ratio(r bringUp) float64 {
	if r.StatefulSets <= 0 {
		return 0
	}
	return r.Operator.Seconds() / r.StatefulSets.Seconds()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// writeCSV writes the run as rows of measurement, subject, value and unit.
func writeCSV(path string, m measurements) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	row := func(measurement, subject string, value float64, unit string) {
		_ = w.Write([]string{measurement, subject, strconv.FormatFloat(value, 'f', 3, 64), unit})
	}
	_ = w.Write([]string{"measurement", "subject", "value", "unit"})
	for _, r := range m.BringUps {
		at := strconv.Itoa(r.Shards) + " shards"
		row("bringup_operator", at, r.Operator.Seconds(), "s")
		row("bringup_statefulsets", at, r.StatefulSets.Seconds(), "s")
		row("bringup_ratio", at, ratio(r), "")
		row("bringup_requests_per_tablet", at, perTablet(r.Cost.Requests, r.Pods), "requests")
		row("bringup_execs_per_tablet", at, perTablet(r.Cost.Execs, r.Pods), "execs")
		row("bringup_passes_per_object_minute", at, r.Cost.Passes.PerObjectMinute, "passes")
		row("bringup_shard_pass_api_requests", at, r.Cost.Passes.ShardAPI, "requests")
		row("bringup_shard_pass_execs", at, r.Cost.Passes.ShardExecs, "execs")
	}
	for _, l := range []struct {
		name, system string
		s            samples
	}{
		{"replacement_created", "operator", m.Operator.Created}, {"replacement_ready", "operator", m.Operator.Ready},
		{"replacement_created", "statefulset", m.StatefulSet.Created}, {"replacement_ready", "statefulset", m.StatefulSet.Ready},
		{"failover", "operator", m.Operator.Failover},
	} {
		if len(l.s) > 0 {
			row(l.name+"_median", l.system, l.s.quantile(0.5).Seconds(), "s")
			row(l.name+"_p99", l.system, l.s.quantile(0.99).Seconds(), "s")
			row(l.name+"_samples", l.system, float64(len(l.s)), "")
		}
	}
	if i := m.Idle; i.Duration > 0 {
		row("idle_seconds", "operator", i.Duration.Seconds(), "s")
		row("idle_writes", "operator", float64(i.Audit.Writes), "requests")
		row("idle_lease_renewals", "operator", float64(i.Audit.LeaseRenewals), "requests")
		row("idle_execs", "operator", float64(i.Audit.Execs), "execs")
		row("idle_cpu_core_share", "operator", i.CoreShare(), "")
		row("idle_peak_rss", "operator", float64(i.PeakRSS)/(1<<20), "MiB")
		row("idle_passes_per_object_minute", "operator", i.Passes.PerObjectMinute, "passes")
		row("idle_shard_pass_api_requests", "operator", i.Passes.ShardAPI, "requests")
		row("idle_shard_pass_execs", "operator", i.Passes.ShardExecs, "execs")
	}
	if r := m.Restart; r.Objects > 0 {
		row("restart_confirmed", "operator", r.Confirmed.Seconds(), "s")
		row("restart_pod_or_claim_changes", "operator", float64(r.Audit.PodOrClaimChanges), "")
		row("restart_reparents", "operator", float64(r.Audit.Reparents), "")
		row("restart_writes", "operator", float64(r.Audit.Writes), "requests")
	}
	w.Flush()
	if err := w.Error(); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
