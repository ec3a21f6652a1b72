package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
)

// killAfter lets an operator run for d and then kills it with SIGKILL,
// wherever it is in a pass. Leader election is off so the next one starts
// at once; only one operator runs at a time.
func killAfter(t *testing.T, ns string, n int, d time.Duration) {
	op := cluster.StartOperator(t, ns, fmt.Sprintf("op-%d", n), "--leader-elect=false")
	timer := time.NewTimer(d)
	defer timer.Stop()
	<-timer.C
	op.Kill()
}

// TestRSSSurvivesKillsMidFlight kills the operator at staggered moments
// while it creates a set and while it fails one over, then lets a last one
// finish. The set converges with one primary that holds every acknowledged
// write, and a watch never saw two primaries.
func TestRSSSurvivesKillsMidFlight(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 4*time.Minute)
	ns := cluster.NewNamespace(t)
	watch := watchPrimaries(ctx, t, ns, "example")
	sampler := sampleWritable(ctx, t, ns, "example-")
	createRSS(ctx, t, ns, replicatedRSS(t))
	n := 0
	for _, d := range []time.Duration{150 * time.Millisecond, 300 * time.Millisecond, 450 * time.Millisecond, 600 * time.Millisecond} {
		n++
		killAfter(t, ns, n, d)
	}
	n++
	op := cluster.StartOperator(t, ns, fmt.Sprintf("op-%d", n), "--leader-elect=false")
	rss := waitRSS(ctx, t, ns, "example", "3 members after the kills", settled(3, 1))

	acked := 0
	for i := 0; i < 3; i++ {
		if _, err := execIn(ctx, ns, rss.Status.Members.Primary[0], "tabletsim", "write", "2"); err == nil {
			acked += 2
		}
	}
	require.Greater(t, acked, 0)

	// Fail the primary over under repeated kills.
	op.Kill()
	old := rss.Status.Members.Primary[0]
	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, old, metav1.DeleteOptions{}))
	for _, d := range []time.Duration{50 * time.Millisecond, 120 * time.Millisecond, 200 * time.Millisecond} {
		n++
		killAfter(t, ns, n, d)
	}
	n++
	cluster.StartOperator(t, ns, fmt.Sprintf("op-%d", n), "--leader-elect=false")
	rss = waitRSS(ctx, t, ns, "example", "a new primary after the kills", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return settled(3, 1)(r) && r.Status.Members.Primary[0] != old
	})
	assert.GreaterOrEqual(t, position(ctx, t, ns, rss.Status.Members.Primary[0]), acked)
	most, events := watch.mostAtOnce()
	assert.Equal(t, 1, most, "two primaries at one moment (%d watch events)", events)
	running, at, samples := sampler.finish()
	assert.Equal(t, 1, running, "two members ran as primaries at one moment in the data plane: %v (%d samples)", at, samples)
}
