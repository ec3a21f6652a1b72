package main

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// counts are the disruptions a run made.
type counts struct {
	podKills, crashMarkers, nodeLosses            atomic.Int64
	operatorKills, killsInFlight                  atomic.Int64
	apiserverRestarts, etcdRestarts, writeRefused atomic.Int64
	componentRestarts                             atomic.Int64
}

// every runs f at intervals drawn from [lo, hi] until ctx ends.
func every(ctx context.Context, rng *rand.Rand, lo, hi time.Duration, f func(context.Context)) {
	for {
		d := lo
		if hi > lo {
			d += time.Duration(rng.Int64N(int64(hi - lo)))
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		f(ctx)
	}
}

// memberPods lists the running member pods of the run's sets: tablets and
// ReplicatedStatefulSet members, primaries included.
func (r *run) memberPods(ctx context.Context) []corev1.Pod {
	pods, err := r.c.Kube.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil
	}
	var out []corev1.Pod
	for _, p := range pods.Items {
		if isMember(p.Name) && p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			out = append(out, p)
		}
	}
	return out
}

// isMember reports whether pod name is a member of one of the run's sets:
// a tablet or a ReplicatedStatefulSet member, not etcd, vtctld or vtgate.
func isMember(name string) bool {
	return strings.HasPrefix(name, clusterName+"-vttablet-") || strings.HasPrefix(name, rssName+"-")
}

// killPod deletes a random member pod.
func (r *run) killPod(ctx context.Context) {
	pods := r.memberPods(ctx)
	if len(pods) == 0 {
		return
	}
	p := pods[r.rng.IntN(len(pods))]
	if err := r.c.Kube.CoreV1().Pods(r.ns).Delete(ctx, p.Name, metav1.DeleteOptions{}); err == nil {
		r.n.podKills.Add(1)
		r.logf("deleted pod %s", p.Name)
	}
}

// crashMember puts the simulator's crash marker, for the running pod
// only, in a random member's data directory: its status then reports it
// failed until the pod is replaced (test/tabletsim, state.go). Only a
// member that has run in a role since its pod started is crashed: one that
// never answered is a slow start, which the operator waits out by design
// (startupTimeout), not a crash.
func (r *run) crashMember(context.Context) {
	var ms []member
	for _, m := range readMembers(r.reg) {
		if isMember(m.Name) && m.Started {
			ms = append(ms, m)
		}
	}
	if len(ms) == 0 {
		return
	}
	m := ms[r.rng.IntN(len(ms))]
	if err := os.WriteFile(filepath.Join(m.Dir, "crash"), []byte(m.UID), 0o644); err != nil {
		return
	}
	r.n.crashMarkers.Add(1)
	r.logf("crash marker on %s", m.Name)
	if strings.HasPrefix(m.Name, clusterName+"-vttablet-") {
		r.failReadinessLater(m, probeFailsAfter+time.Duration(r.rng.Int64N(int64(probePeriod))))
	}
}

// Readiness probe timing of the tablets' vttablet containers: Kubernetes'
// defaults (periodSeconds 10, failureThreshold 3), which pkg/vitess
// renders.
const (
	probePeriod     = 10 * time.Second
	probeFailsAfter = 2 * probePeriod
)

// failReadinessLater plays the kubelet's readiness probe of a crashed
// tablet: vttablet's /debug/health runs a query through mysqld, which the
// crash stopped, so after failureThreshold failed probes the pod turns
// NotReady. It happens even once the disruptions stop, as a kubelet's would.
func (r *run) failReadinessLater(m member, after time.Duration) {
	time.AfterFunc(after, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.c.FailReadiness(ctx, r.ns, m.Name, types.UID(m.UID), dataplane.VttabletContainer); err != nil {
			r.logf("readiness of %s: %v", m.Name, err)
			return
		}
		r.logf("%s reported not ready (its crash)", m.Name)
	})
}

// loseNode makes a node that runs member pods NotReady for nodeDownFor and
// brings it back; not when the disruptions end before it would be back.
func (r *run) loseNode(ctx context.Context) {
	if end, ok := ctx.Deadline(); ok && time.Until(end) < nodeDownFor+nodeBackWithin {
		return
	}
	var nodes []string
	for _, p := range r.memberPods(ctx) {
		if p.Spec.NodeName != "" && !slices.Contains(nodes, p.Spec.NodeName) {
			nodes = append(nodes, p.Spec.NodeName)
		}
	}
	if len(nodes) == 0 {
		return
	}
	node := nodes[r.rng.IntN(len(nodes))]
	if err := r.c.LoseNode(ctx, node); err != nil {
		r.logf("losing node %s: %v", node, err)
		return
	}
	r.n.nodeLosses.Add(1)
	r.logf("lost node %s", node)
	t := time.NewTimer(nodeDownFor)
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	// Bring it back even when the run's disruptions have ended.
	restore, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.c.RestoreNode(restore, node); err != nil {
		r.logf("restoring node %s: %v", node, err)
		return
	}
	r.logf("restored node %s", node)
}

// killOperator waits, at most killWait, for the operator to begin an
// action, kills it with SIGKILL at once and starts another.
func (r *run) killOperator(ctx context.Context) {
	r.op.drain()
	t := time.NewTimer(killWait)
	defer t.Stop()
	var began *action
	select {
	case <-ctx.Done():
		return
	case a := <-r.op.actions:
		began = &a
	case <-t.C:
	}
	var lag time.Duration
	if began != nil {
		lag = time.Since(began.At)
	}
	err := r.op.restart()
	r.n.operatorKills.Add(1)
	if began != nil {
		r.n.killsInFlight.Add(1)
		r.logf("killed the operator %v after it logged the start of %s of %s on %s", lag.Round(time.Millisecond), began.Type, began.Set, began.Members)
	} else {
		r.logf("killed the operator with no action in flight for %v", killWait)
	}
	if err != nil {
		r.logf("restarting the operator: %v", err)
	}
}

// restartControlPlane restarts one control-plane process and waits for
// the API server to answer again.
func (r *run) restartControlPlane(ctx context.Context, name string, n *atomic.Int64) {
	c, err := captureComponent(r.clusterDir, name)
	if err == nil {
		err = c.restart(ctx)
	}
	if err != nil {
		r.logf("restarting %s: %v", name, err)
		return
	}
	n.Add(1)
	start := time.Now()
	_ = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := r.c.Kube.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil, nil
	})
	r.logf("restarted %s; the API server answered again after %v", name, time.Since(start).Round(time.Millisecond))
}

// at runs f once, d after the start, unless ctx ends first.
func at(ctx context.Context, d time.Duration, f func(context.Context)) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		f(ctx)
	}
}
