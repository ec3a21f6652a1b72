package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	clv1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// setUp makes the namespace, starts the operator, creates both sets and
// waits until they are Ready.
func (r *run) setUp(ctx context.Context) error {
	ns, err := r.c.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		GenerateName: "chaos-", Labels: map[string]string{"vitess-operator.io/e2e": "true"}}}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("creating the namespace: %w", err)
	}
	r.ns = ns.Name
	r.reg = filepath.Join(r.c.SimRoot(), "registry", r.ns)
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := r.c.Kube.CoreV1().ServiceAccounts(r.ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	}); err != nil {
		return fmt.Errorf("namespace %s has no default ServiceAccount: %w", r.ns, err)
	}
	logDir := filepath.Join(r.c.Root, "_output", "logs", "chaos")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	// The operators log in as their pod would: a token of the operator's
	// ServiceAccount, with deploy/operator's Role.
	if err := r.c.InstallOperatorRBAC(ctx, r.ns); err != nil {
		return err
	}
	if r.credsDir, err = os.MkdirTemp("", "chaos-creds-"); err != nil {
		return err
	}
	kubeconfig, err := r.c.ServiceAccountKubeconfig(ctx, r.credsDir, r.ns)
	if err != nil {
		return err
	}
	r.op = newSupervisor(r.c.OperatorBinary, kubeconfig, r.ns, logDir, r.operatorLogLevel)
	if err := r.op.start(); err != nil {
		return err
	}
	r.logf("namespace %s; operator log %s", r.ns, r.op.logPath)
	vc, err := chaosCluster(r.c.Root)
	if err != nil {
		return err
	}
	rss, err := chaosRSS(r.c.Root)
	if err != nil {
		return err
	}
	if _, err := r.c.Client.VitessV1alpha1().VitessClusters(r.ns).Create(ctx, vc, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating the VitessCluster: %w", err)
	}
	if _, err := r.c.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(r.ns).Create(ctx, rss, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("creating the ReplicatedStatefulSet: %w", err)
	}
	for _, ks := range keyspaceNames {
		for _, kr := range vc.Spec.Keyspaces[0].Shards {
			r.groups = append(r.groups, ks+"/"+kr.KeyRange.Start+"-"+kr.KeyRange.End)
		}
	}
	r.groups = append(r.groups, rssName)
	start := time.Now()
	if err := r.waitReady(ctx, 10*time.Minute); err != nil {
		return fmt.Errorf("bring-up: %w", err)
	}
	r.logf("both sets Ready after %v", time.Since(start).Round(time.Millisecond))
	return nil
}

// waitReady waits until the VitessCluster and the ReplicatedStatefulSet
// both report Ready for their current generation.
func (r *run) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	_, err := framework.WaitForObject(ctx, r.c, r.ns, clusterName, func(vc *v1alpha1.VitessCluster) bool {
		return vc.Status.ObservedGeneration == vc.Generation && vc.Status.Phase == common.PhaseReady &&
			meta.IsStatusConditionTrue(vc.Status.Conditions, common.ConditionReady)
	})
	if err != nil {
		return fmt.Errorf("VitessCluster %s: %w", clusterName, err)
	}
	_, err = framework.WaitForObject(ctx, r.c, r.ns, rssName, func(s *clv1.ReplicatedStatefulSet) bool {
		return s.Status.ObservedGeneration == s.Generation && s.Status.Phase == common.PhaseReady &&
			len(s.Status.Members.Ready) == tabletsPerShard && len(s.Status.Members.Primary) == 1
	})
	if err != nil {
		return fmt.Errorf("ReplicatedStatefulSet %s: %w", rssName, err)
	}
	return nil
}

// disrupt runs the writers, the checker and every disruption for d, then
// lets the sets recover and checks that they are Ready in time and that
// every acknowledged write is on its set's primary.
func (r *run) disrupt(ctx context.Context, d time.Duration) error {
	r.ledger = newLedger()
	r.checker = newChecker(r.reg, r.ledger, r.logf)
	stopClaims, err := r.watchClaims(ctx)
	if err != nil {
		return err
	}
	defer stopClaims()

	checkCtx, stopChecks := context.WithCancel(ctx)
	var checks sync.WaitGroup
	checks.Add(1)
	go func() { defer checks.Done(); r.checker.run(checkCtx) }()
	w := simWriter{bin: filepath.Join(r.c.ClusterRoot, "_output", "sim", "tabletsim"), simRoot: r.c.SimRoot(), namespace: r.ns}
	for _, g := range r.groups {
		checks.Add(1)
		go func() { defer checks.Done(); writeLoop(checkCtx, w, r.reg, g, r.ledger, &r.n.writeRefused) }()
	}
	defer func() { stopChecks(); checks.Wait() }()

	var supervised []component
	for _, name := range []string{"kube-scheduler", "kube-controller-manager", "kwok-controller"} {
		c, err := captureComponent(r.clusterDir, name)
		if err != nil {
			return err
		}
		supervised = append(supervised, c)
	}
	checks.Add(1)
	go func() {
		defer checks.Done()
		supervise(checkCtx, supervised, func(name string, err error) {
			r.n.componentRestarts.Add(1)
			r.logf("%s had exited (a lost leader election); started it again: %v", name, err)
		})
	}()
	checks.Add(1)
	go func() {
		defer checks.Done()
		r.op.watch(checkCtx, func(err error) { r.logf("the operator had exited on its own; started it again: %v", err) })
	}()
	r.logf("disruptions start")
	dctx, stop := context.WithTimeout(ctx, d)
	var ds sync.WaitGroup
	for _, f := range []func(context.Context){
		func(ctx context.Context) { every(ctx, r.rng, podKillMin, podKillMax, r.killPod) },
		func(ctx context.Context) { every(ctx, r.rng, crashEvery, crashEvery, r.crashMember) },
		func(ctx context.Context) {
			at(ctx, firstNodeLoss, r.loseNode)
			every(ctx, r.rng, nodeLossEvery, nodeLossEvery, r.loseNode)
		},
		func(ctx context.Context) { every(ctx, r.rng, operatorKillEvery, operatorKillEvery, r.killOperator) },
		func(ctx context.Context) {
			at(ctx, d*35/100, func(ctx context.Context) { r.restartControlPlane(ctx, "kube-apiserver", &r.n.apiserverRestarts) })
		},
		func(ctx context.Context) {
			at(ctx, d*65/100, func(ctx context.Context) { r.restartControlPlane(ctx, "etcd", &r.n.etcdRestarts) })
		},
	} {
		ds.Add(1)
		go func() { defer ds.Done(); f(dctx) }()
	}
	ds.Wait()
	stop()
	r.logf("disruptions stop")
	start := time.Now()
	if err := r.waitReady(ctx, readyAfter); err != nil {
		r.late("not Ready %v after the disruptions stopped: %v", readyAfter, err)
		r.explainNotReady(ctx)
		return nil
	}
	r.logf("both sets Ready %v after the disruptions stopped", time.Since(start).Round(time.Millisecond))
	// The writers go on: the sets must take writes again, and the last
	// sample must find every acknowledged write on the primary.
	if err := wait.PollUntilContextTimeout(ctx, sampleEvery, readyAfter, true, func(context.Context) (bool, error) {
		return r.checker.settled(r.groups) == nil, nil
	}); err != nil {
		r.late("the data plane did not settle: %v", r.checker.settled(r.groups))
	}
	return nil
}

// explainNotReady logs why each shard and the ReplicatedStatefulSet that
// is not Ready says it is not.
func (r *run) explainNotReady(ctx context.Context) {
	shards, err := r.c.Client.VitessV1alpha1().VitessShards(r.ns).List(ctx, metav1.ListOptions{})
	if err == nil {
		for _, s := range shards.Items {
			if s.Status.Phase != common.PhaseReady {
				r.logf("shard %s: %s: %s", s.Name, s.Status.Phase, conditionMessages(s.Status.Conditions))
			}
		}
	}
	if s, err := r.c.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(r.ns).Get(ctx, rssName, metav1.GetOptions{}); err == nil && s.Status.Phase != common.PhaseReady {
		r.logf("set %s: %s: %s", s.Name, s.Status.Phase, conditionMessages(s.Status.Conditions))
	}
	r.dumpSimState()
}

// dumpSimState logs what the simulators keep of the data plane, which the
// namespace's deletion removes: each claim's member state (role, GTIDs,
// replication source, reparent journal) and each topology record, one line
// a file, so that a set that did not recover can be explained afterwards.
func (r *run) dumpSimState() {
	for _, pattern := range []string{
		filepath.Join(r.c.SimRoot(), "claims", r.ns, "*", "tabletsim.json"),
		filepath.Join(r.c.SimRoot(), "topo", r.ns, "*", "*", "*.json"),
	} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if data, err := os.ReadFile(f); err == nil {
				rel, _ := filepath.Rel(filepath.Join(r.c.SimRoot()), f)
				r.logf("state %s: %s", rel, strings.TrimSpace(string(data)))
			}
		}
	}
}

func conditionMessages(conds []metav1.Condition) string {
	var out []string
	for _, c := range conds {
		if c.Message != "" {
			out = append(out, c.Type+"="+string(c.Status)+" "+c.Message)
		}
	}
	return strings.Join(out, "; ")
}

// watchClaims counts the deletion of any claim of the namespace while the
// sets exist as a violation: nothing in the run asks for one.
func (r *run) watchClaims(ctx context.Context) (func(), error) {
	f := informers.NewSharedInformerFactoryWithOptions(r.c.Kube, 0, informers.WithNamespace(r.ns))
	inf := f.Core().V1().PersistentVolumeClaims().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{DeleteFunc: func(obj any) {
		name := "?"
		if pvc, ok := obj.(*corev1.PersistentVolumeClaim); ok {
			name = pvc.Name
		} else if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			name = tomb.Key
		}
		r.violation("claim %s deleted", name)
	}}); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	return func() { cancel(); f.Shutdown() }, nil
}

// leftoverKinds are what the sets make; none may stay once they are deleted.
var leftoverKinds = []schema.GroupVersionResource{
	{Version: "v1", Resource: "pods"}, {Version: "v1", Resource: "persistentvolumeclaims"},
	{Version: "v1", Resource: "services"}, {Version: "v1", Resource: "secrets"},
	{Group: "apps", Version: "v1", Resource: "deployments"}, {Group: "apps", Version: "v1", Resource: "statefulsets"},
	{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"},
	{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"},
	{Group: "vitess.io", Version: "v1alpha1", Resource: "vitesscells"},
	{Group: "vitess.io", Version: "v1alpha1", Resource: "vitesskeyspaces"},
	{Group: "vitess.io", Version: "v1alpha1", Resource: "vitessshards"},
}

// tearDown deletes both sets, with the operator running, and counts as
// violations whatever is left of them two minutes later.
func (r *run) tearDown(ctx context.Context) error {
	bg := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &bg}
	if err := r.c.Client.VitessV1alpha1().VitessClusters(r.ns).Delete(ctx, clusterName, opts); err != nil {
		return fmt.Errorf("deleting the VitessCluster: %w", err)
	}
	if err := r.c.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(r.ns).Delete(ctx, rssName, opts); err != nil {
		return fmt.Errorf("deleting the ReplicatedStatefulSet: %w", err)
	}
	var left []string
	err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		var err error
		left, err = r.leftovers(ctx)
		return err == nil && len(left) == 0, nil
	})
	for _, l := range left {
		r.late("left behind after deletion: %s", l)
	}
	r.op.kill()
	if err != nil && len(left) == 0 {
		return fmt.Errorf("listing what is left: %w", err)
	}
	if len(left) == 0 {
		_ = r.c.Kube.CoreV1().Namespaces().Delete(ctx, r.ns, metav1.DeleteOptions{})
	}
	return nil
}

// leftovers lists the objects of the namespace the sets made.
func (r *run) leftovers(ctx context.Context) ([]string, error) {
	var out []string
	for _, gvr := range leftoverKinds {
		list, err := r.c.Dynamic.Resource(gvr).Namespace(r.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			if gvr.Group == "networking.k8s.io" || strings.Contains(err.Error(), "could not find") {
				continue
			}
			return nil, err
		}
		for _, o := range list.Items {
			out = append(out, gvr.Resource+"/"+o.GetName())
		}
	}
	sort.Strings(out)
	return out, nil
}

// report prints the counts; the last line is the summary `make chaos`
// promises. It returns the safety violations (lost writes included) and
// the liveness ones.
func (r *run) report() (safety, liveness int64) {
	samples, split, lost, failovers := r.checker.counts()
	violations := r.violations.Load() + int64(split)
	if lost > 0 {
		violations++
	}
	liveness = r.liveness.Load()
	safety = violations - liveness
	fmt.Printf("samples: %d, acknowledged writes: %d, refused or unacknowledged writes: %d\n", samples, r.ledger.total, r.n.writeRefused.Load())
	fmt.Printf("pod kills: %d, crash markers: %d, node losses: %d\n", r.n.podKills.Load(), r.n.crashMarkers.Load(), r.n.nodeLosses.Load())
	fmt.Printf("operator kills: %d (%d with an action in flight), operator exits on a lost Lease (started again): %d\n",
		r.n.operatorKills.Load(), r.n.killsInFlight.Load(), r.op.exits)
	fmt.Printf("API server restarts: %d, etcd restarts: %d, control-plane components restarted after exiting: %d, failovers seen: %d\n",
		r.n.apiserverRestarts.Load(), r.n.etcdRestarts.Load(), r.n.componentRestarts.Load(), failovers)
	fmt.Printf("violations: %d, lost writes: %d, acknowledged writes: %d, pod kills: %d, operator kills: %d (in flight: %d), node losses: %d, failovers: %d, of the violations liveness: %d\n",
		violations, lost, r.ledger.total, r.n.podKills.Load(), r.n.operatorKills.Load(), r.n.killsInFlight.Load(), r.n.nodeLosses.Load(), failovers, liveness)
	return safety, liveness
}
