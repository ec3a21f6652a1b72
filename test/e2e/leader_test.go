package e2e

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// promoted matches the engine's log line of a promotion as it begins (text
// format: fields in alphabetical order after the message), capturing the
// member's pod name from the message.
var promoted = regexp.MustCompile(`msg="[^"]*promoting (\S+) at position[^"]*" action=Promote`)

// promotionsIn returns the members each Promote logged in an operator's log.
func promotionsIn(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []string
	for _, m := range promoted.FindAllStringSubmatch(string(data), -1) {
		out = append(out, m[1])
	}
	return out
}

// TestStandbyFinishesFailoverOfKilledLeader runs two operators with leader
// election, deletes the primary, and kills the leader with SIGKILL the
// moment it has begun promoting a successor. The standby takes the Lease
// within 15 s and completes the failover; both operators chose the same
// member, the data plane never had two primaries, and after the old primary
// only one member ever acted as primary: nothing was done twice.
func TestStandbyFinishesFailoverOfKilledLeader(t *testing.T) {
	t.Parallel()
	ctx := testContext(t, 4*time.Minute)
	ns := cluster.NewNamespace(t)
	a := cluster.StartOperator(t, ns, "op-a", framework.FastLeaderElection()...)
	_, err := cluster.WaitFor(ctx, leaseGVR, ns, leaseName, a.LeaseHolder)
	require.NoError(t, err)
	b := cluster.StartOperator(t, ns, "op-b", framework.FastLeaderElection()...)

	sampler := sampleWritable(ctx, t, ns, "example-")
	createRSS(ctx, t, ns, replicatedRSS(t))
	rss := waitRSS(ctx, t, ns, "example", "3 members", settled(3, 1))
	old := rss.Status.Members.Primary[0]
	before := len(promotionsIn(t, a.LogPath))

	require.NoError(t, cluster.Kube.CoreV1().Pods(ns).Delete(ctx, old, metav1.DeleteOptions{}))
	require.NoError(t, wait.PollUntilContextCancel(ctx, 5*time.Millisecond, true, func(context.Context) (bool, error) {
		return len(promotionsIn(t, a.LogPath)) > before, nil
	}), "the leader never began a promotion")
	a.Kill()
	killed := time.Now()
	t.Logf("killed the leader while it promoted %v", promotionsIn(t, a.LogPath)[before:])

	_, err = cluster.WaitFor(ctx, leaseGVR, ns, leaseName, b.LeaseHolder)
	require.NoError(t, err)
	took := time.Since(killed)
	t.Logf("the standby took the Lease over %v after the kill", took.Round(10*time.Millisecond))
	assert.Less(t, took, 15*time.Second)

	rss = waitRSS(ctx, t, ns, "example", "a new primary", func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return settled(3, 1)(r) && r.Status.Members.Primary[0] != old
	})
	chosen := append(promotionsIn(t, a.LogPath)[before:], promotionsIn(t, b.LogPath)...)
	slices.Sort(chosen)
	assert.Len(t, slices.Compact(chosen), 1, "the two operators promoted different members: %v", chosen)
	assert.Equal(t, rss.Status.Members.Primary[0], chosen[0])

	history := sampler.primariesSeen("example-")
	last := slices.Index(history, old)
	require.GreaterOrEqual(t, last, 0, "the old primary was never seen acting: %v", history)
	var after []string
	for _, h := range history[last+1:] {
		assert.NotContains(t, h, ",", "two primaries at once: %v", history)
		if h != "" && !slices.Contains(after, h) {
			after = append(after, h)
		}
	}
	assert.Equal(t, []string{rss.Status.Members.Primary[0]}, after,
		"after the old primary, more than one member acted as primary (a failover done twice): %s", strings.Join(history, " → "))
	most, at, samples := sampler.finish()
	assert.Equal(t, 1, most, "two members ran as primaries at one moment: %v (%d samples)", at, samples)
}
