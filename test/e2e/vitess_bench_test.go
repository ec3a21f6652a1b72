package e2e

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// BenchmarkVitessFailover measures, on the local control plane, how long a
// new example/my-vitess.yaml takes to be Ready, and how long the operator
// takes from a shard's primary tablet pod being deleted to a new primary in
// the shard's status. Run it with
//
//	go test -run '^$' -bench BenchmarkVitessFailover -benchtime 10x ./test/e2e
func BenchmarkVitessFailover(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ns := cluster.NewNamespace(b)
	cluster.StartOperator(b, ns, "op", framework.FastLeaderElection()...)
	start := time.Now()
	_, err := cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, readCluster(b, "example/my-vitess.yaml"), metav1.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	waitCluster(ctx, b, ns, "vitess", "Ready", clusterReady)
	ready := time.Since(start)

	var failover []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := waitShard(ctx, b, ns, "vitess-main-x-80", "a running shard", shardRunning(3))
		failover = append(failover, timeShardFailover(ctx, b, ns, s))
	}
	b.StopTimer()
	b.ReportMetric(ms(ready), "create-to-ready-ms")
	b.ReportMetric(ms(median(failover)), "failover-ms/median")
	b.Logf("apply -> Ready (ms): %.0f", ms(ready))
	b.Logf("primary tablet deleted -> new primary in status (ms): %v", msList(failover))
}

// timeShardFailover force-deletes a shard's primary pod (a graceful deletion
// is a planned handover, doc/design/drain.md) and returns how long until its
// status names another primary.
func timeShardFailover(ctx context.Context, b *testing.B, ns string, s *v1alpha1.VitessShard) time.Duration {
	primary := s.Status.Members.Primary[0]
	w, err := cluster.Client.VitessV1alpha1().VitessShards(ns).Watch(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", s.Name).String(), ResourceVersion: s.ResourceVersion})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	start := time.Now()
	if err := cluster.Kube.CoreV1().Pods(ns).Delete(ctx, primary, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		b.Fatal(err)
	}
	for ev := range w.ResultChan() {
		if v, ok := ev.Object.(*v1alpha1.VitessShard); ok && len(v.Status.Members.Primary) == 1 && v.Status.Members.Primary[0] != primary {
			return time.Since(start)
		}
	}
	b.Fatal("watch of the shard ended before a new primary appeared")
	return 0
}
