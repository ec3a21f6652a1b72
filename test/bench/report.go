package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Targets (doc/benchmarks.md): the bring-up at the largest shard count,
// and the recovery latencies.
const (
	targetRatio          = 0.5
	targetBringUp        = 30 * time.Second
	targetCreatedMedian  = 200 * time.Millisecond
	targetCreatedP99     = time.Second
	targetFailoverMedian = 500 * time.Millisecond
	targetFailoverP99    = 2 * time.Second
)

// report prints the table of bring-up times and of recovery latencies, and
// the target rows.
func report(w io.Writer, rs []bringUp, op, sts latencies) {
	fmt.Fprintf(w, "%-8s %-8s %-14s %-14s %-6s\n", "shards", "pods", "operator", "statefulsets", "ratio")
	for _, r := range rs {
		fmt.Fprintf(w, "%-8d %-8d %-14s %-14s %-6.2f\n", r.Shards, r.Pods, seconds(r.Operator), seconds(r.StatefulSets), ratio(r))
	}
	if len(rs) == 0 {
		return
	}
	last := rs[len(rs)-1]
	fmt.Fprintf(w, "\n%-60s %s\n", fmt.Sprintf("bring-up at %d shards: operator ≤ %.1f × StatefulSets", last.Shards, targetRatio),
		verdict(ratio(last) <= targetRatio))
	fmt.Fprintf(w, "%-60s %s\n", fmt.Sprintf("bring-up at %d shards: operator ≤ %v", last.Shards, targetBringUp),
		verdict(last.Operator <= targetBringUp))
	reportLatencies(w, op, sts)
}

// reportLatencies prints the recovery latencies of both systems and their
// target rows.
func reportLatencies(w io.Writer, op, sts latencies) {
	fmt.Fprintf(w, "\n%-44s %-8s %-10s %-10s\n", "latency", "samples", "median", "p99")
	row := func(name string, s samples) {
		if len(s) > 0 {
			fmt.Fprintf(w, "%-44s %-8d %-10s %-10s\n", name, len(s), ms(s.quantile(0.5)), ms(s.quantile(0.99)))
		}
	}
	row("operator: tablet deleted -> replacement created", op.Created)
	row("operator: tablet deleted -> replacement Ready", op.Ready)
	row("StatefulSet: pod deleted -> replacement created", sts.Created)
	row("StatefulSet: pod deleted -> replacement Ready", sts.Ready)
	row("operator: primary deleted -> new primary in status", op.Failover)
	fmt.Fprintln(w)
	target := func(name string, s samples, q float64, limit time.Duration) {
		if len(s) > 0 {
			fmt.Fprintf(w, "%-60s %s\n", name, verdict(s.quantile(q) <= limit))
		}
	}
	target(fmt.Sprintf("replacement created: median ≤ %v", targetCreatedMedian), op.Created, 0.5, targetCreatedMedian)
	target(fmt.Sprintf("replacement created: p99 ≤ %v", targetCreatedP99), op.Created, 0.99, targetCreatedP99)
	target(fmt.Sprintf("failover: median ≤ %v", targetFailoverMedian), op.Failover, 0.5, targetFailoverMedian)
	target(fmt.Sprintf("failover: p99 ≤ %v", targetFailoverP99), op.Failover, 0.99, targetFailoverP99)
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

// writeCSV writes one row per shard count, and one per latency kind.
func writeCSV(path string, rs []bringUp, op, sts latencies) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"measurement", "shards", "pods", "operator_seconds", "statefulsets_seconds", "ratio"})
	for _, r := range rs {
		_ = w.Write([]string{"bringup", strconv.Itoa(r.Shards), strconv.Itoa(r.Pods),
			strconv.FormatFloat(r.Operator.Seconds(), 'f', 3, 64),
			strconv.FormatFloat(r.StatefulSets.Seconds(), 'f', 3, 64),
			strconv.FormatFloat(ratio(r), 'f', 3, 64)})
	}
	_ = w.Write([]string{"measurement", "system", "samples", "median_seconds", "p99_seconds"})
	for _, l := range []struct {
		name, system string
		s            samples
	}{
		{"replacement_created", "operator", op.Created}, {"replacement_ready", "operator", op.Ready},
		{"replacement_created", "statefulset", sts.Created}, {"replacement_ready", "statefulset", sts.Ready},
		{"failover", "operator", op.Failover},
	} {
		_ = w.Write([]string{l.name, l.system, strconv.Itoa(len(l.s)),
			strconv.FormatFloat(l.s.quantile(0.5).Seconds(), 'f', 3, 64), strconv.FormatFloat(l.s.quantile(0.99).Seconds(), 'f', 3, 64)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		_ = f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

// writeChart draws bring-up time against shard count, one line per system,
// as an SVG.
func writeChart(path string, rs []bringUp) error {
	return os.WriteFile(path, []byte(chart(rs)), 0o644)
}

// chart renders the SVG: shard count on a linear x axis, seconds on y.
func chart(rs []bringUp) string {
	const w, h, left, bottom, top, right = 640.0, 400.0, 60.0, 50.0, 30.0, 150.0
	maxX, maxY := 1.0, 1.0
	for _, r := range rs {
		maxX = max(maxX, float64(r.Shards))
		maxY = max(maxY, r.Operator.Seconds(), r.StatefulSets.Seconds())
	}
	x := func(n int) float64 { return left + float64(n)/maxX*(w-left-right) }
	y := func(s float64) float64 { return h - bottom - s/maxY*(h-bottom-top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", w, h)
	fmt.Fprintf(&b, `<text x="%.0f" y="18">Bring-up time against shard count (%d tablets a shard)</text>`+"\n", left, tabletsPerShard)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`+"\n", left, h-bottom, w-right, h-bottom)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`+"\n", left, top, left, h-bottom)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">shards</text>`+"\n", (left+w-right)/2, h-12)
	fmt.Fprintf(&b, `<text x="14" y="%.0f" transform="rotate(-90 14 %.0f)" text-anchor="middle">seconds</text>`+"\n", (top+h-bottom)/2, (top+h-bottom)/2)
	for i := 0; i <= 4; i++ {
		s := maxY * float64(i) / 4
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">%.0f</text>`+"\n", left-6, y(s)+4, s)
	}
	for _, r := range rs {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">%d</text>`+"\n", x(r.Shards), h-bottom+16, r.Shards)
	}
	series := []struct {
		name, color string
		at          func(bringUp) float64
	}{
		{"vitess-operator", "#1f77b4", func(r bringUp) float64 { return r.Operator.Seconds() }},
		{"StatefulSet controller", "#d62728", func(r bringUp) float64 { return r.StatefulSets.Seconds() }},
	}
	for i, s := range series {
		var pts []string
		for _, r := range rs {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(r.Shards), y(s.at(r))))
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>`+"\n", x(r.Shards), y(s.at(r)), s.color)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", strings.Join(pts, " "), s.color)
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" fill="%s">%s</text>`+"\n", w-right+10, top+20+float64(i)*18, s.color, s.name)
	}
	b.WriteString("</svg>\n")
	return b.String()
}
