package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	vtinformers "github.com/vitess-operator/vitess-operator/pkg/generated/informers/externalversions"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// bringUp is one bring-up measurement.
type bringUp struct {
	// Shards is the number of shards, StatefulSets for the controller.
	Shards int
	// Pods is the number of tablet pods the operator ran.
	Pods int
	// Operator is from the apply until the VitessCluster is Ready.
	Operator time.Duration
	// StatefulSets is from the first create until every set is Ready.
	StatefulSets time.Duration
	// Cost is what the operator asked of the API server meanwhile.
	Cost bringUpCost
}

// readyCluster is a cluster the benchmark brought up, handed to the
// measurements that need one.
type readyCluster struct {
	Namespace string
	// Operator runs it; a measurement that replaces it sets the new one.
	Operator *framework.Operator
	// Objects is the number of objects the operator manages for it.
	Objects int
	// OperatorFlags start its operator, and the one that replaces it.
	OperatorFlags []string
}

// operatorBringUp applies cluster in a new namespace with an operator of its
// own and measures until the cluster is Ready. after, when set, runs on the
// Ready cluster before the namespace goes.
func (b *bench) operatorBringUp(ctx context.Context, vc *v1alpha1.VitessCluster, after func(*readyCluster) error) (bringUp, error) {
	ns, done, err := b.namespace(ctx, "bench-vt")
	if err != nil {
		return bringUp{}, err
	}
	defer done()
	rc := &readyCluster{Namespace: ns}
	// The operator logs in with its ServiceAccount's token and Role, as in
	// its pod: a client certificate would add a signature to every exec's
	// TLS handshake that a deployed operator does not make.
	creds, err := b.cluster.OperatorCredentials(ctx, b.tmp, ns)
	if err != nil {
		return bringUp{}, err
	}
	rc.OperatorFlags = append(creds, "--log-level="+b.logLevel, "--profiling")
	rc.Operator, err = b.cluster.RunOperator(ns, "bench", rc.OperatorFlags...)
	if err != nil {
		return bringUp{}, err
	}
	defer func() { rc.Operator.Kill() }()

	shardsReady, stopTrace, err := b.traceShards(ctx, ns)
	if err != nil {
		return bringUp{}, err
	}
	start := time.Now()
	if _, err := b.cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, vc, metav1.CreateOptions{}); err != nil {
		return bringUp{}, fmt.Errorf("applying the cluster: %w", err)
	}
	_, err = framework.WaitForObject(ctx, b.cluster, ns, vc.Name, func(c *v1alpha1.VitessCluster) bool {
		return c.Status.ObservedGeneration == c.Generation && c.Status.Phase == common.PhaseReady
	})
	r := bringUp{Operator: time.Since(start)}
	stopTrace()
	if err != nil {
		return bringUp{}, fmt.Errorf("waiting for the cluster to be Ready: %w", err)
	}
	if r.Cost, err = readBringUpCost(ctx, rc.Operator, r.Operator); err != nil {
		return bringUp{}, err
	}
	if r.Cost.Audit, err = b.auditedOperatorWrites(ctx, ns, start, start.Add(r.Operator)); err != nil {
		return bringUp{}, err
	}
	b.logf("shards Ready after the apply: %s", spread(shardsReady(), start))
	b.logf("the operator's writes meanwhile: %d, %d execs, %v", r.Cost.Audit.Writes, r.Cost.Audit.Execs, r.Cost.Audit.ByKind)
	pods, err := b.cluster.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "replication.vitess-operator.io/kind=VitessShard"})
	if err != nil {
		return bringUp{}, err
	}
	r.Pods = len(pods.Items)
	if rc.Objects, err = b.countObjects(ctx, ns); err != nil {
		return bringUp{}, err
	}
	if after != nil {
		if err := after(rc); err != nil {
			return bringUp{}, err
		}
	}
	return r, nil
}

// countObjects counts the objects of the Vitess kinds in ns.
func (b *bench) countObjects(ctx context.Context, ns string) (int, error) {
	vt := b.cluster.Client.VitessV1alpha1()
	clusters, err := vt.VitessClusters(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	cells, err := vt.VitessCells(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	keyspaces, err := vt.VitessKeyspaces(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	shards, err := vt.VitessShards(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	return len(clusters.Items) + len(cells.Items) + len(keyspaces.Items) + len(shards.Items), nil
}

// traceShards follows the VitessShards of ns with an informer, which lists
// and watches again when a watch ends (a plain watch is closed by the API
// server after a few minutes, long before 256 shards are up), and returns
// a function giving when each shard first became Ready, and one that stops
// following.
func (b *bench) traceShards(ctx context.Context, ns string) (func() []time.Time, func(), error) {
	var mu sync.Mutex
	ready := map[string]time.Time{}
	note := func(obj any) {
		if s, ok := obj.(*v1alpha1.VitessShard); ok && s.Status.Phase == common.PhaseReady {
			mu.Lock()
			if _, seen := ready[s.Name]; !seen {
				ready[s.Name] = time.Now()
			}
			mu.Unlock()
		}
	}
	factory := vtinformers.NewSharedInformerFactoryWithOptions(b.cluster.Client, 0, vtinformers.WithNamespace(ns))
	inf := factory.Vitess().V1alpha1().VitessShards().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    note,
		UpdateFunc: func(_, obj any) { note(obj) },
	}); err != nil {
		return nil, nil, fmt.Errorf("following shards: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		cancel()
		return nil, nil, fmt.Errorf("following shards: the cache did not sync")
	}
	stop := func() { cancel(); factory.Shutdown() }
	times := func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		out := make([]time.Time, 0, len(ready))
		for _, t := range ready {
			out = append(out, t)
		}
		return out
	}
	return times, stop, nil
}

// spread renders the first, median and last of ts as durations since start.
func spread(ts []time.Time, start time.Time) string {
	if len(ts) == 0 {
		return "none"
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	at := func(t time.Time) string { return t.Sub(start).Round(100 * time.Millisecond).String() }
	return fmt.Sprintf("%d shards, first %s, median %s, last %s", len(ts), at(ts[0]), at(ts[len(ts)/2]), at(ts[len(ts)-1]))
}

// statefulSetBringUp creates n StatefulSets in a new namespace and returns
// the time from the first create until every one has all its replicas
// ready. after, when set, runs on the ready sets before the namespace goes.
func (b *bench) statefulSetBringUp(ctx context.Context, n int, after func(ns string) error) (time.Duration, error) {
	ns, done, err := b.namespace(ctx, "bench-sts")
	if err != nil {
		return 0, err
	}
	defer done()
	sets := b.cluster.Kube.AppsV1().StatefulSets(ns)
	w, err := sets.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, err
	}
	defer w.Stop()

	start := time.Now()
	for i := range n {
		if _, err := sets.Create(ctx, statefulSet(i), metav1.CreateOptions{}); err != nil {
			return 0, fmt.Errorf("creating StatefulSet %d: %w", i, err)
		}
	}
	ready := map[string]bool{}
	for len(ready) < n {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("%d of %d StatefulSets ready: %w", len(ready), n, ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				return 0, fmt.Errorf("the watch of StatefulSets ended with %d of %d ready", len(ready), n)
			}
			if s, ok := ev.Object.(*appsv1.StatefulSet); ok && ev.Type != watch.Deleted &&
				s.Status.ObservedGeneration == s.Generation && s.Status.ReadyReplicas == *s.Spec.Replicas {
				ready[s.Name] = true
			}
		}
	}
	took := time.Since(start)
	if after != nil {
		if err := after(ns); err != nil {
			return 0, err
		}
	}
	return took, nil
}

// namespace makes a namespace for one measurement and returns a function
// that deletes it and waits until it is gone, so the next measurement runs
// on a quiet cluster.
func (b *bench) namespace(ctx context.Context, prefix string) (string, func(), error) {
	ns, err := b.cluster.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}, metav1.CreateOptions{})
	if err != nil {
		return "", nil, fmt.Errorf("creating a namespace: %w", err)
	}
	if b.keep {
		return ns.Name, func() { b.logf("kept namespace %s", ns.Name) }, nil
	}
	return ns.Name, func() { b.deleteNamespace(ns.Name) }, nil
}

// deleteNamespace deletes ns and waits, at most five minutes, until it is
// gone.
func (b *bench) deleteNamespace(ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := b.cluster.Kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil {
		b.logf("deleting namespace %s: %v", ns, err)
		return
	}
	if _, err := b.cluster.WaitFor(ctx, corev1.SchemeGroupVersion.WithResource("namespaces"), "", ns, framework.Gone); err != nil {
		b.logf("namespace %s: %v", ns, err)
	}
}
