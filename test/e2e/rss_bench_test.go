package e2e

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// BenchmarkRSSRecovery measures, on the local control plane, how long the
// operator takes (a) from a member's pod being deleted to its replacement
// being created, and (b) from the primary's pod being deleted to a new
// primary in status. Each iteration measures both once; run it with
//
//	go test -run '^$' -bench BenchmarkRSSRecovery -benchtime 12x ./test/e2e
//
// and it prints the medians as custom metrics and every sample in the log.
func BenchmarkRSSRecovery(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ns := cluster.NewNamespace(b)
	cluster.StartOperator(b, ns, "op", framework.FastLeaderElection()...)
	createRSS(ctx, b, ns, replicatedRSS(b))
	waitRSS(ctx, b, ns, "example", "3 members", settled(3, 1))

	var replace, failover []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rss := waitRSS(ctx, b, ns, "example", "a settled set", settled(3, 1))
		replace = append(replace, timeReplacement(ctx, b, ns, secondaryOf(rss)))
		rss = waitRSS(ctx, b, ns, "example", "a settled set", settled(3, 1))
		failover = append(failover, timeFailover(ctx, b, ns, rss.Status.Members.Primary[0]))
	}
	b.StopTimer()
	b.ReportMetric(ms(median(replace)), "replace-ms/median")
	b.ReportMetric(ms(median(failover)), "failover-ms/median")
	b.Logf("pod deleted -> replacement created (ms): %v", msList(replace))
	b.Logf("primary deleted -> new primary in status (ms): %v", msList(failover))
}

// timeReplacement deletes pod and returns how long until a pod of the same
// name with another UID is created.
func timeReplacement(ctx context.Context, b *testing.B, ns, pod string) time.Duration {
	old, err := cluster.Kube.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	w, err := cluster.Kube.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", pod).String(), ResourceVersion: old.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	start := time.Now()
	if err := cluster.Kube.CoreV1().Pods(ns).Delete(ctx, pod, metav1.DeleteOptions{}); err != nil {
		b.Fatal(err)
	}
	for ev := range w.ResultChan() {
		if p, ok := ev.Object.(*corev1.Pod); ok && ev.Type == watch.Added && p.UID != old.UID {
			return time.Since(start)
		}
	}
	b.Fatalf("watch of %s ended before a replacement appeared", pod)
	return 0
}

// timeFailover deletes the primary's pod and returns how long until status
// names another primary.
func timeFailover(ctx context.Context, b *testing.B, ns, primary string) time.Duration {
	rss := getRSS(ctx, b, ns, "example")
	w, err := cluster.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(ns).Watch(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", "example").String(), ResourceVersion: rss.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	start := time.Now()
	if err := cluster.Kube.CoreV1().Pods(ns).Delete(ctx, primary, metav1.DeleteOptions{}); err != nil {
		b.Fatal(err)
	}
	for ev := range w.ResultChan() {
		r, ok := ev.Object.(*v1alpha1.ReplicatedStatefulSet)
		if ok && len(r.Status.Members.Primary) == 1 && r.Status.Members.Primary[0] != primary {
			return time.Since(start)
		}
	}
	b.Fatalf("watch of the set ended before a new primary appeared")
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func msList(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = fmt.Sprintf("%.0f", ms(d))
	}
	return out
}
