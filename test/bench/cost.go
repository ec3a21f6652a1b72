package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// passCost is what the operator's reconcile passes did over an interval,
// from the change of its metrics.
type passCost struct {
	// PerObjectMinute is passes per managed object per minute.
	PerObjectMinute float64
	// ShardAPI and ShardExecs are the mean API requests (execs apart) and
	// execs of one VitessShard pass.
	ShardAPI, ShardExecs float64
}

// passCostOf reads the pass counters of delta, the change of the metrics
// over an interval of length d, with objects managed.
func passCostOf(delta series, objects float64, d time.Duration) passCost {
	var c passCost
	if passes := delta.sum("vitess_operator_reconcile_duration_seconds_count"); objects > 0 && d > 0 {
		c.PerObjectMinute = passes / objects / d.Minutes()
	}
	shard := `kind="VitessShard"`
	if n := delta.sum("vitess_operator_reconcile_api_requests_count", shard); n > 0 {
		c.ShardAPI = delta.sum("vitess_operator_reconcile_api_requests_sum", shard) / n
		c.ShardExecs = delta.sum("vitess_operator_reconcile_execs_sum", shard) / n
	}
	return c
}

// bringUpCost is what the operator asked of the API server while it
// brought a cluster up, from its own metrics.
type bringUpCost struct {
	// Requests are every request, execs included; Execs those that ran a
	// command in a pod.
	Requests, Execs float64
	Passes          passCost
	// Audit is what the API server logged of the operator's writes.
	Audit auditCounts
}

// perTablet divides v by the tablets created.
func perTablet(v float64, tablets int) float64 {
	if tablets == 0 {
		return 0
	}
	return v / float64(tablets)
}

// readBringUpCost scrapes op once the cluster is Ready, took after the
// apply.
func readBringUpCost(ctx context.Context, op *framework.Operator, took time.Duration) (bringUpCost, error) {
	s, err := scrape(ctx, op.MetricsAddr)
	if err != nil {
		return bringUpCost{}, err
	}
	return bringUpCost{
		Requests: s.sum("vitess_operator_api_requests_total"),
		Execs:    s.sum("vitess_operator_api_requests_total", `verb="exec"`),
		Passes:   passCostOf(s, s.sum("vitess_operator_objects_managed"), took),
	}, nil
}

// idleCost is what the operator did while nothing changed.
type idleCost struct {
	// Settling is what the API server logged of the operator's writes in
	// the idleSettle after the cluster was Ready.
	Settling auditCounts
	// Settled is how long after Ready the idle interval began.
	Settled time.Duration
	// Start is when the interval began.
	Start    time.Time
	Duration time.Duration
	// Audit is what the API server logged of the operator's writes.
	Audit auditCounts
	// CPU is the operator's CPU time over the interval; PeakRSS its peak
	// resident memory since it started.
	CPU     time.Duration
	PeakRSS int64
	Passes  passCost
}

// CoreShare is the CPU used as a share of one core.
func (c idleCost) CoreShare() float64 {
	if c.Duration <= 0 {
		return 0
	}
	return c.CPU.Seconds() / c.Duration.Seconds()
}

// idleSettle is how long after the cluster is Ready the idle interval
// begins at the earliest; settleLimit how long it waits at most for every
// shard to report nothing in progress. The last shards' final passes (the
// pass after the one that made a shard Ready records that nothing is in
// progress; on a saturated machine its probe waits its turn) are bring-up,
// not idle cost. Their writes are counted apart.
const (
	idleSettle  = 10 * time.Second
	settleLimit = 5 * time.Minute
)

// measureIdle leaves the Ready cluster in ns alone until idleSettle has
// passed and no shard reports progress, then for d, and reads what the
// operator op did in d.
func (b *bench) measureIdle(ctx context.Context, ns string, op *framework.Operator, d time.Duration) (idleCost, error) {
	readyAt := time.Now()
	if err := pause(ctx, idleSettle); err != nil {
		return idleCost{}, err
	}
	if err := b.waitNothingInProgress(ctx, ns); err != nil {
		return idleCost{}, err
	}
	settled := time.Since(readyAt)
	settling, err := b.auditedOperatorWrites(ctx, ns, readyAt, time.Now())
	if err != nil {
		return idleCost{}, err
	}
	before, err := scrape(ctx, op.MetricsAddr)
	if err != nil {
		return idleCost{}, err
	}
	usageBefore, err := readUsage(op.Pid())
	if err != nil {
		return idleCost{}, err
	}
	start := time.Now()
	profiled := b.profileCPU(ctx, op.MetricsAddr, d, "idle-cpu.pprof")
	if err := pause(ctx, d); err != nil {
		return idleCost{}, err
	}
	end := time.Now()
	<-profiled
	after, err := scrape(ctx, op.MetricsAddr)
	if err != nil {
		return idleCost{}, err
	}
	usage, err := readUsage(op.Pid())
	if err != nil {
		return idleCost{}, err
	}
	audit, err := b.auditedOperatorWrites(ctx, ns, start, end)
	if err != nil {
		return idleCost{}, err
	}
	return idleCost{
		Settling: settling,
		Settled:  settled,
		Start:    start,
		Duration: end.Sub(start),
		Audit:    audit,
		CPU:      usage.CPU - usageBefore.CPU,
		PeakRSS:  usage.PeakRSS,
		Passes:   passCostOf(after.minus(before), after.sum("vitess_operator_objects_managed"), end.Sub(start)),
	}, nil
}

// waitNothingInProgress waits until no shard of ns has its Progressing
// condition True, for at most settleLimit.
func (b *bench) waitNothingInProgress(ctx context.Context, ns string) error {
	err := wait.PollUntilContextTimeout(ctx, time.Second, settleLimit, true, func(ctx context.Context) (bool, error) {
		shards, err := b.cluster.Client.VitessV1alpha1().VitessShards(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, sh := range shards.Items {
			if c := meta.FindStatusCondition(sh.Status.Conditions, common.ConditionProgressing); c == nil || c.Status != metav1.ConditionFalse {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("waiting for every shard to report nothing in progress: %w", err)
	}
	return nil
}

// restartCost is what a restarted operator took and did before it had
// confirmed every object.
type restartCost struct {
	// Confirmed is from the kill until every object had a pass without
	// error in the new process.
	Confirmed time.Duration
	// Audit is what the API server logged of the operator's writes from the
	// kill until settle after Confirmed.
	Audit   auditCounts
	Objects int
}

// restartSettle is how long after the new operator confirmed every object
// its writes are still counted: a disruptive action may come in a later
// pass.
const restartSettle = 30 * time.Second

// measureRestart kills op with SIGKILL, starts another operator for ns at
// once, as the kubelet restarts a crashed container (same pod name, so the
// same Lease identity), and measures until it has confirmed all objects of the cluster. The
// caller kills the returned operator.
func (b *bench) measureRestart(ctx context.Context, rc *readyCluster) (restartCost, *framework.Operator, error) {
	ns, op, objects := rc.Namespace, rc.Operator, rc.Objects
	start := time.Now()
	op.Kill()
	next, err := b.cluster.RunOperator(ns, op.Name, rc.OperatorFlags...)
	if err != nil {
		return restartCost{}, nil, err
	}
	for {
		s, err := scrape(ctx, next.MetricsAddr)
		if err == nil && s.sum("vitess_operator_objects_managed") == float64(objects) &&
			s.sum("vitess_operator_objects_confirmed") == float64(objects) {
			break
		}
		if err := pause(ctx, 100*time.Millisecond); err != nil {
			return restartCost{}, next, fmt.Errorf("waiting for the restarted operator to confirm %d objects: %w", objects, err)
		}
	}
	c := restartCost{Confirmed: time.Since(start), Objects: objects}
	if err := pause(ctx, restartSettle); err != nil {
		return c, next, err
	}
	c.Audit, err = b.auditedOperatorWrites(ctx, ns, start, time.Now())
	return c, next, err
}

// pause waits for d, or until ctx ends, which it returns.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
