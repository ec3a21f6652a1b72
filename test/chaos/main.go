// Command chaos is the chaos run of `make chaos` (doc/design/safety.md): on
// the local control plane it keeps a VitessCluster and a
// ReplicatedStatefulSet under writes while it deletes member pods, crashes
// members, loses nodes, kills the operator in the middle of its actions and
// restarts etcd and the API server; a checker reads the data plane every
// 100 ms. Its last line is `violations: N, lost writes: M, ...`; it exits
// non-zero when either is not zero.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vitess-operator/vitess-operator/test/framework"
)

// Disruption schedule (issue 10): a pod every 1–5 s, a crash marker every
// 10 s, a node every 2 minutes, the operator every 60 s; one API server
// and one etcd restart.
const (
	podKillMin, podKillMax = time.Second, 5 * time.Second
	crashEvery             = 10 * time.Second
	firstNodeLoss          = 45 * time.Second
	nodeLossEvery          = 2 * time.Minute
	nodeDownFor            = 40 * time.Second
	// nodeBackWithin is the time a node brought back takes to report again
	// on the local cluster; no node is lost later than that before the end.
	nodeBackWithin    = 30 * time.Second
	operatorKillEvery = 60 * time.Second
	killWait          = 30 * time.Second
	// readyAfter is how long the sets may take to be Ready once the
	// disruptions stop.
	readyAfter = 60 * time.Second
)

// run is one chaos run.
type run struct {
	c  *framework.Cluster
	ns string
	// credsDir holds the operators' kubeconfig, with its token; removed at
	// the end.
	credsDir   string
	reg        string
	clusterDir string
	rng        *rand.Rand
	op         *supervisor
	ledger     *ledger
	checker    *checker
	groups     []string
	n          counts
	violations atomic.Int64
	// liveness counts the violations that are about time (not Ready soon
	// enough, not gone soon enough) rather than safety; they are in
	// violations too.
	liveness atomic.Int64
	// operatorLogLevel is the --log-level of the operators the run starts.
	operatorLogLevel string
	logMu            sync.Mutex
}

func (r *run) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// violation counts and reports one broken invariant.
func (r *run) violation(format string, args ...any) {
	r.violations.Add(1)
	r.logf("VIOLATION "+format, args...)
}

// late counts and reports one broken liveness invariant: something that
// did not happen within its time.
func (r *run) late(format string, args ...any) {
	r.violations.Add(1)
	r.liveness.Add(1)
	r.logf("VIOLATION (liveness) "+format, args...)
}

// Gates: what makes the run exit 1.
const (
	failOnAll    = "all"
	failOnSafety = "safety"
	failOnNone   = "none"
)

func main() {
	code, err := chaos()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

func chaos() (int, error) {
	def := 15 * time.Minute
	if v := os.Getenv("CHAOS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("CHAOS_DURATION=%q: %w", v, err)
		}
		def = d
	}
	duration := flag.Duration("duration", def, "how long the disruptions last (default from CHAOS_DURATION, else 15m)")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "seed of the random choices, to replay a run")
	gate := flag.String("fail-on", failOnAll, "exit 1 on any violation or lost write (all); on two primaries, a lost write or a deleted claim only (safety); never (none)")
	logLevel := flag.String("operator-log-level", "info", "--log-level of the operators the run starts (debug shows why each pass waited)")
	flag.Parse()
	switch *gate {
	case failOnAll, failOnSafety, failOnNone:
	default:
		return 0, fmt.Errorf("--fail-on=%q: want %s, %s or %s", *gate, failOnAll, failOnSafety, failOnNone)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *duration+30*time.Minute)
	defer cancel()
	c, err := framework.Setup(ctx)
	if err != nil {
		return 0, err
	}
	r := &run{c: c, rng: rand.New(rand.NewPCG(*seed, *seed>>1)), operatorLogLevel: *logLevel,
		clusterDir: filepath.Join(c.ClusterRoot, "_output", "kwok", "clusters", "vitess-operator")}
	r.logf("seed %d, disruptions for %v", *seed, *duration)
	err = r.setUp(ctx)
	if r.credsDir != "" {
		defer func() { _ = os.RemoveAll(r.credsDir) }()
	}
	if err != nil {
		return 0, err
	}
	if err := r.disrupt(ctx, *duration); err != nil {
		return 0, err
	}
	if _, split, lost, _ := r.checker.counts(); split > 0 || lost > 0 || r.violations.Load() > r.liveness.Load() {
		r.dumpSimState() // the tear-down deletes the claims
	}
	if err := r.tearDown(ctx); err != nil {
		r.late("tearing down: %v", err)
	}
	safety, liveness := r.report()
	if safety > 0 {
		// CI keeps what the run printed, not the log files, which the
		// local cluster's removal takes with it.
		printActions(os.Stderr, r.op.logPath)
	}
	switch {
	case *gate == failOnAll && safety+liveness > 0, *gate == failOnSafety && safety > 0:
		return 1, nil
	}
	return 0, nil
}

// printActions copies the actions the operators logged (their info lines
// with an "action" key: what each pass did and why) to w, each line cut
// to a bounded length, so a run that found a safety violation shows how
// it came about.
func printActions(w io.Writer, logPath string) {
	f, err := os.Open(logPath)
	if err != nil {
		fmt.Fprintf(w, "the operator log %s: %v\n", logPath, err)
		return
	}
	defer f.Close()
	fmt.Fprintf(w, "the operators' actions (%s):\n", logPath)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, `"action":`) {
			continue
		}
		if len(line) > 600 {
			line = line[:600] + "..."
		}
		fmt.Fprintln(w, line)
	}
}
