package replication

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

const (
	fakeKind = "FakeSet"
	fakeNS   = "ns"
	fakeName = "s"
	fakeRev  = "rev1"
)

// fakeSet is a replication.Set with no claims and no services: pods named
// s-N, members reached at s-N.s.ns.svc, and the last report kept in memory.
type fakeSet struct {
	mu     sync.Mutex
	obj    *corev1.ConfigMap
	spec   Spec
	driver dataplane.Driver
	report *Report
	writes int
	// refused is what Refused answers.
	refused string
}

func newFakeSet(replicas, primaries int, d dataplane.Driver) *fakeSet {
	return &fakeSet{
		obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
			Name: fakeName, Namespace: fakeNS, UID: "set-uid", Generation: 1}},
		spec: Spec{Desired: Ordinals(replicas), Primaries: primaries, Revision: fakeRev,
			StartupTimeout: 3 * time.Second, LostAfter: 10 * time.Second},
		driver: d,
	}
}

func (s *fakeSet) Object() Object { return s.obj }
func (s *fakeSet) Kind() string   { return fakeKind }
func (s *fakeSet) Spec() Spec     { return s.spec }
func (s *fakeSet) KnownGoodReplicas() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.report == nil {
		return 0
	}
	return int(s.report.KnownGoodReplicas)
}
func (s *fakeSet) LastPrimaries() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.report == nil {
		return nil
	}
	return s.report.Members.Primary
}
func (s *fakeSet) PodName(ordinal int) string { return fmt.Sprintf("%s-%d", fakeName, ordinal) }
func (s *fakeSet) Pod(ordinal int) (*corev1.Pod, error) {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: s.PodName(ordinal), Namespace: fakeNS,
			Labels:          MemberLabels(fakeKind, fakeName, ordinal, s.spec.Revision),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(s.obj, schema.GroupVersionKind{Kind: fakeKind})}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
	}, nil
}
func (s *fakeSet) Claims(int) []*corev1.PersistentVolumeClaim { return nil }
func (s *fakeSet) Services() []*corev1.Service                { return nil }
func (s *fakeSet) Member(p *corev1.Pod) dataplane.Member {
	return dataplane.Member{Target: dataplane.Target{Namespace: fakeNS, Pod: p.Name, Container: "app"},
		DNSName: p.Name + "." + fakeName + "." + fakeNS + ".svc"}
}
func (s *fakeSet) Blocked() string          { return "" }
func (s *fakeSet) Refused() string          { return s.refused }
func (s *fakeSet) Driver() dataplane.Driver { return s.driver }
func (s *fakeSet) WriteStatus(_ context.Context, r Report) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.report, s.writes = &r, s.writes+1
	return nil
}
func (s *fakeSet) lastReport() Report {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.report == nil {
		return Report{}
	}
	return *s.report
}

// fakeMember is one member's application as the fake data plane models it.
type fakeMember struct {
	role        dataplane.State // secondary, stopped or primary
	pos         uint64
	failed      bool // the status hook reports a failure
	unreachable bool // hooks cannot be run at all
	posErr      bool // the sequence hook fails, the others work
	follows     []string
}

// fakeDriver models members' applications in memory, by pod name, with the
// RSS hook contract: status 0/7/8, Follow makes a secondary, Seed and
// Promote a primary, Stop a stopped member.
type fakeDriver struct {
	mu      sync.Mutex
	members map[string]*fakeMember
	calls   map[string][]string // hook -> pods, in order
}

func newFakeDriver() *fakeDriver {
	return &fakeDriver{members: map[string]*fakeMember{}, calls: map[string][]string{}}
}

func (d *fakeDriver) member(pod string) *fakeMember {
	m, ok := d.members[pod]
	if !ok {
		m = &fakeMember{role: dataplane.StateStopped}
		d.members[pod] = m
	}
	return m
}

// set changes a member under the lock.
func (d *fakeDriver) set(pod string, f func(m *fakeMember)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(d.member(pod))
}

func (d *fakeDriver) record(hook, pod string) {
	d.calls[hook] = append(d.calls[hook], pod)
}

func (d *fakeDriver) callsOf(hook string) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls[hook]...)
}

func (d *fakeDriver) role(pod string) dataplane.State {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.member(pod).role
}

// primaries lists the members whose application runs as a primary.
func (d *fakeDriver) primaries() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for name, m := range d.members {
		if m.role == dataplane.StatePrimary {
			out = append(out, name)
		}
	}
	return out
}

// podStarted is a fresh container on the member's data: stopped, healthy.
func (d *fakeDriver) podStarted(pod string) {
	d.set(pod, func(m *fakeMember) { m.role, m.failed, m.follows = dataplane.StateStopped, false, nil })
}

// podGone is a member whose pod went away: its application died with it.
func (d *fakeDriver) podGone(pod string) {
	d.set(pod, func(m *fakeMember) { m.role, m.follows = dataplane.StateStopped, nil })
}

func (d *fakeDriver) Position(_ context.Context, m dataplane.Member) (dataplane.Position, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.record("sequence", m.Pod)
	fm := d.member(m.Pod)
	if fm.unreachable {
		return nil, fmt.Errorf("sequence hook in %s: connection refused", m.Pod)
	}
	if fm.posErr {
		return nil, &dataplane.HookError{Hook: "sequence", Member: m.Pod, ExitCode: 1, Stderr: "lock wait timeout"}
	}
	return dataplane.Sequence(fm.pos), nil
}

func (d *fakeDriver) Status(_ context.Context, m dataplane.Member) (dataplane.State, string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.record("status", m.Pod)
	fm := d.member(m.Pod)
	switch {
	case fm.unreachable:
		return dataplane.StateUnknown, "status hook in " + m.Pod + ": connection refused"
	case fm.failed:
		return dataplane.StateFailed, "status hook exited 1: disk full"
	}
	return fm.role, ""
}

func (d *fakeDriver) start(hook string, m dataplane.Member, role dataplane.State, primaries []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.record(hook, m.Pod)
	fm := d.member(m.Pod)
	if fm.unreachable {
		return fmt.Errorf("%s hook in %s: connection refused", hook, m.Pod)
	}
	fm.role, fm.follows = role, primaries
	return nil
}

func (d *fakeDriver) Seed(_ context.Context, m dataplane.Member, p []string) error {
	return d.start("seed", m, dataplane.StatePrimary, p)
}
func (d *fakeDriver) Promote(_ context.Context, m dataplane.Member, p []string) error {
	return d.start("primary", m, dataplane.StatePrimary, p)
}
func (d *fakeDriver) Follow(_ context.Context, m dataplane.Member, p []string) error {
	return d.start("secondary", m, dataplane.StateSecondary, p)
}
func (d *fakeDriver) Stop(_ context.Context, m dataplane.Member) error {
	return d.start("stop", m, dataplane.StateStopped, nil)
}

// harness is an Engine over a fake clientset whose listers are indexers the
// harness refills after every pass, with a fake kubelet that runs new pods.
type harness struct {
	t       *testing.T
	kube    *fake.Clientset
	pods    cache.Indexer
	claims  cache.Indexer
	svcs    cache.Indexer
	rec     *record.FakeRecorder
	events  []string
	driver  *fakeDriver
	set     *fakeSet
	engine  *Engine
	uidSeq  int
	lastErr error
	// lastResync is when the last pass asked for the next safety-net pass.
	lastResync time.Duration
	// now is the engine's clock; every pass moves it on by a second.
	now time.Time
}

var podsGVR = corev1.SchemeGroupVersion.WithResource("pods")

func newHarness(t *testing.T, replicas, primaries int) *harness {
	kube := fake.NewClientset()
	// The tracker ignores delete preconditions; an API server does not.
	kube.PrependReactor("delete", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		del := a.(k8stesting.DeleteActionImpl)
		if pre := del.DeleteOptions.Preconditions; pre != nil && pre.UID != nil {
			cur, err := kube.Tracker().Get(podsGVR, del.Namespace, del.Name)
			if err == nil && cur.(*corev1.Pod).UID != *pre.UID {
				return true, nil, apierrors.NewConflict(podsGVR.GroupResource(), del.Name, fmt.Errorf("UID precondition failed"))
			}
		}
		return false, nil, nil
	})
	f := informers.NewSharedInformerFactory(kube, 0).Core().V1()
	if err := f.Pods().Informer().AddIndexers(PodIndexers()); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, kube: kube, rec: record.NewFakeRecorder(1000), driver: newFakeDriver(), now: time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC),
		pods: f.Pods().Informer().GetIndexer(), claims: f.PersistentVolumeClaims().Informer().GetIndexer(),
		svcs: f.Services().Informer().GetIndexer()}
	h.set = newFakeSet(replicas, primaries, h.driver)
	h.engine = h.newEngine()
	return h
}

// newEngine is an engine with an empty memory over the harness's cluster,
// as after an operator restart.
func (h *harness) newEngine() *Engine {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return NewEngine(Config{Kube: h.kube, Recorder: h.rec, Log: log, Now: func() time.Time { return h.now },
		Pods:     NewSetPods(h.pods),
		Claims:   corelisters.NewPersistentVolumeClaimLister(h.claims),
		Services: corelisters.NewServiceLister(h.svcs)})
}

// listPods is what the fake API server holds.
func (h *harness) listPods() []corev1.Pod {
	l, err := h.kube.CoreV1().Pods(fakeNS).List(context.Background(), metav1.ListOptions{})
	require.NoError(h.t, err)
	return l.Items
}

// sync runs the fake kubelet (new pods get a UID, run, and start stopped)
// and refills the listers' indexers from the fake clientset, so the next
// pass observes what the last one did. It does not count as API actions.
func (h *harness) sync() {
	objs, err := h.kube.Tracker().List(podsGVR, corev1.SchemeGroupVersion.WithKind("Pod"), fakeNS)
	require.NoError(h.t, err)
	var items []any
	alive := map[string]bool{}
	for _, p := range objs.(*corev1.PodList).Items {
		p := p.DeepCopy()
		if p.Status.Phase == "" || p.Status.Phase == corev1.PodPending {
			h.uidSeq++
			p.UID = types.UID(fmt.Sprintf("%s-uid-%d", p.Name, h.uidSeq))
			p.Status.Phase = corev1.PodRunning
			started := metav1.NewTime(h.now)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Ready: true,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}}}
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
			require.NoError(h.t, h.kube.Tracker().Update(podsGVR, p, fakeNS))
			h.driver.podStarted(p.Name)
		}
		alive[p.Name] = true
		items = append(items, p)
	}
	h.driver.mu.Lock()
	var gone []string
	for name := range h.driver.members {
		if !alive[name] {
			gone = append(gone, name)
		}
	}
	h.driver.mu.Unlock()
	for _, name := range gone {
		h.driver.podGone(name)
	}
	require.NoError(h.t, h.pods.Replace(items, ""))
}

// pass runs one engine pass, then the kubelet and the cache, and checks
// that no more primaries run than asked for.
func (h *harness) pass() Report {
	h.lastResync, h.lastErr = h.engine.Pass(context.Background(), h.set)
	h.now = h.now.Add(time.Second)
	h.sync()
	for len(h.rec.Events) > 0 {
		h.events = append(h.events, <-h.rec.Events)
	}
	if p := h.driver.primaries(); len(p) > h.set.spec.Primaries {
		h.t.Fatalf("%d primaries run, %d asked for: %v", len(p), h.set.spec.Primaries, p)
	}
	return h.set.lastReport()
}

// runUntil runs passes until the phase is reached or the budget is spent,
// and returns how many passes it took.
func (h *harness) runUntil(phase string, budget int) int {
	h.t.Helper()
	for i := 1; i <= budget; i++ {
		r := h.pass()
		if h.lastErr != nil {
			h.t.Fatalf("pass %d: %v", i, h.lastErr)
		}
		if r.Phase == phase {
			return i
		}
	}
	r := h.set.lastReport()
	h.t.Fatalf("no %s after %d passes: phase %s, members %+v, conditions %+v, last error %v", phase, budget, r.Phase, r.Members, r.Conditions, h.lastErr)
	return 0
}

// eventCount counts recorded events with reason.
func (h *harness) eventCount(reason string) int {
	n := 0
	for _, e := range h.events {
		if strings.Fields(e)[1] == reason {
			n++
		}
	}
	return n
}

// podActions returns the API actions on pods other than reads, as verb/name.
func (h *harness) podActions() []string {
	var out []string
	for _, a := range h.kube.Actions() {
		if a.GetResource().Resource != "pods" || a.GetVerb() == "get" || a.GetVerb() == "list" || a.GetVerb() == "watch" {
			continue
		}
		name := ""
		switch a := a.(type) {
		case k8stesting.CreateActionImpl:
			name = a.GetObject().(metav1.Object).GetName()
		case k8stesting.DeleteActionImpl:
			name = a.Name
		case k8stesting.PatchActionImpl:
			name = a.Name
		case k8stesting.UpdateActionImpl:
			name = a.GetObject().(metav1.Object).GetName()
		}
		out = append(out, a.GetVerb()+"/"+name)
	}
	return out
}
