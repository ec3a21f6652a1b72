package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// series is one scrape of an operator's /metrics: each sample's value by
// its metric name and labels. A histogram gives its _sum and _count.
type series map[string]float64

// scrape reads the metrics the operator at addr serves.
func scrape(ctx context.Context, addr string) (series, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scraping %s: %w", addr, err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("parsing the metrics of %s: %w", addr, err)
	}
	out := series{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			key := seriesKey(name, m.GetLabel())
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[seriesKey(name+"_sum", m.GetLabel())] = m.GetHistogram().GetSampleSum()
				out[seriesKey(name+"_count", m.GetLabel())] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out, nil
}

// seriesKey renders name{l1="v1",…} with the labels in the order given.
func seriesKey(name string, labels []*dto.LabelPair) string {
	if len(labels) == 0 {
		return name
	}
	parts := make([]string, len(labels))
	for i, l := range labels {
		parts[i] = l.GetName() + "=" + strconv.Quote(l.GetValue())
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// sum adds every sample of name whose key holds each of match (such as
// `kind="VitessShard"`).
func (s series) sum(name string, match ...string) float64 {
	total := 0.0
	for k, v := range s {
		base, _, _ := strings.Cut(k, "{")
		if base != name {
			continue
		}
		ok := true
		for _, m := range match {
			ok = ok && strings.Contains(k, m)
		}
		if ok {
			total += v
		}
	}
	return total
}

// minus is s - before, sample by sample: the change over an interval of a
// process's counters.
func (s series) minus(before series) series {
	out := series{}
	for k, v := range s {
		out[k] = v - before[k]
	}
	return out
}

// processUsage is the CPU time and peak resident memory of a process, read
// from /proc.
type processUsage struct {
	CPU     time.Duration
	PeakRSS int64
}

// readUsage reads the usage of process pid so far.
func readUsage(pid int) (processUsage, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return processUsage{}, err
	}
	// The command name, in parentheses, may hold spaces; fields count from
	// after it. utime and stime are the 14th and 15th fields, in clock
	// ticks of 1/100 s on Linux.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 13 {
		return processUsage{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	u := processUsage{CPU: time.Duration(utime+stime) * 10 * time.Millisecond}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return processUsage{}, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			u.PeakRSS = kb * 1024
		}
	}
	return u, nil
}
