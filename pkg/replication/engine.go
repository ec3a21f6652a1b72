package replication

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// Engine runs passes of replicated sets. One Engine serves every set of
// every kind; passes of one set never overlap because each set has one
// goroutine.
type Engine struct {
	kube     kubernetes.Interface
	pods     SetPods
	claims   corelisters.PersistentVolumeClaimLister
	services corelisters.ServiceLister
	recorder record.EventRecorder
	metrics  *Metrics
	log      *logrus.Logger
	memory   memories
	now      func() time.Time
}

// Config is what an Engine needs.
type Config struct {
	Kube kubernetes.Interface
	// Pods lists a set's pods; its informer has PodIndexers.
	Pods     SetPods
	Claims   corelisters.PersistentVolumeClaimLister
	Services corelisters.ServiceLister
	Recorder record.EventRecorder
	Metrics  *Metrics
	Log      *logrus.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NewEngine returns an engine.
func NewEngine(c Config) *Engine {
	now := c.Now
	if now == nil {
		now = time.Now
	}
	return &Engine{kube: c.Kube, pods: c.Pods, claims: c.Claims, services: c.Services,
		recorder: c.Recorder, metrics: c.Metrics, log: c.Log, now: now}
}

// afterAction is how soon a pass follows one that acted, should no event
// announce the change first.
const afterAction = time.Second

// maxGatherRounds bounds how often one pass gathers facts (a probe, then
// positions) before it must decide on a step.
const maxGatherRounds = 4

// Forget drops what the engine remembers of a set that was deleted.
func (e *Engine) Forget(kind, namespace, name string) {
	e.memory.forget(memoryKey(kind, namespace, name))
	e.metrics.forgetSet(kind, namespace, name)
}

func memoryKey(kind, namespace, name string) string { return kind + "/" + namespace + "/" + name }

// pass is one pass over one set: what it observed and the pods behind it.
type pass struct {
	set  Set
	snap *Snapshot
	pods map[int]*corev1.Pod
	mem  *setMemory
	log  *logrus.Entry
	// foreign are pods with the set's labels that the set does not control.
	foreign []string
}

// target is how the driver reaches a member of this pass.
func (p *pass) target(m *Member) dataplane.Member { return p.set.Member(p.pods[m.Ordinal]) }

// Pass runs one pass for set: observe, decide, act one step, report. It
// returns when the next safety-net pass is due.
func (e *Engine) Pass(ctx context.Context, set Set) (time.Duration, error) {
	obj := set.Object()
	spec := set.Spec()
	log := e.log.WithFields(logFields(set))
	mem := e.memory.get(memoryKey(set.Kind(), obj.GetNamespace(), obj.GetName()), obj.GetUID())
	resync := spec.ReconcileInterval

	refused, err := e.refusal(ctx, set)
	if err != nil {
		return resync, err
	}
	p, err := e.observe(set, spec, mem, log)
	if err != nil {
		return resync, err
	}
	if refused == "" && len(p.foreign) > 0 {
		sort.Strings(p.foreign)
		refused = fmt.Sprintf("pods %s carry this set's labels but are not controlled by it: they are not adopted, "+
			"and nothing is done to the set until they are removed or relabelled", strings.Join(p.foreign, ", "))
	}
	p.snap.Refused = refused
	// Claim owners are bookkeeping: a failure is reported with the pass but
	// never holds back its step, which may be a failover.
	var ownersErr error
	act := !spec.Paused && refused == ""
	if act {
		ownersErr = errors.Join(e.ensureClaimOwners(ctx, set, p.snap.Members), e.restoreLostClaims(ctx, set, p.snap.Members))
	}
	growth, growErr := e.growClaims(ctx, p, act)
	action, actErr := e.decideAndAct(ctx, p)
	stepDone := actErr == nil
	actErr = errors.Join(actErr, ownersErr, growErr)
	mem.prune(p.snap)
	report := buildReport(set, p.snap, mem, action, actErr, stepDone, growth)
	e.metrics.observeMembers(set, report.Members)
	if err := set.WriteStatus(ctx, report); err != nil {
		// A conflict too is returned: the worker retries with its backoff.
		return resync, errors.Join(actErr, err)
	}
	if spec.ReadinessShowsFailures && settledPass(p.snap, action, report) {
		mem.settled++
	} else {
		mem.settled = 0
	}
	resync = safetyNetInterval(resync, mem.settled)
	switch action.Type {
	case ActNone, ActWait, ActRefuse:
	default:
		resync = min(resync, afterAction)
	}
	if action.RetryAfter > 0 {
		resync = min(resync, max(action.RetryAfter, afterAction))
	}
	return resync, actErr
}

// decideAndAct gathers the facts the rules need (a probe, positions), at
// most maxGatherRounds times, and then takes the one step they decide on.
func (e *Engine) decideAndAct(ctx context.Context, p *pass) (Action, error) {
	for round := 0; ; round++ {
		d := Decide(p.snap)
		if n := d.Need; n != nil {
			if round == maxGatherRounds {
				return Action{Type: ActWait, Reason: n.Reason}, fmt.Errorf("a pass needed facts %d times without deciding (last: %s for %v); this is a bug", round, n.Kind, n.Members)
			}
			switch n.Kind {
			case NeedProbe:
				e.probe(ctx, p, n.Members)
			case NeedPositions:
				e.positions(ctx, p, n.Members)
			}
			continue
		}
		a := d.Step
		// Every step is one line of one shape, its reason the message: one
		// that does nothing (none, wait) at debug level only.
		step := p.log.WithFields(logrus.Fields{"action": a.Type, "members": a.Members})
		switch a.Type {
		case ActNone, ActWait:
			step.Debug(a.Reason)
			return a, nil
		}
		step.Info(a.Reason)
		return a, e.act(ctx, p, a)
	}
}

// logFields name the set on every line of its pass with the keys of
// doc/design/operator.md, "Logging": object and kind as the worker logs
// them (its controller.Key: Kind/namespace/name), and for a set that
// belongs to a Vitess shard its cluster, keyspace and shard.
func logFields(set Set) logrus.Fields {
	obj := set.Object()
	object := set.Kind() + "/" + obj.GetNamespace() + "/" + obj.GetName()
	if i, ok := set.(Identified); ok {
		id := i.Identity()
		return logrus.Fields{"object": object, "kind": set.Kind(), "cluster": id.Cluster, "keyspace": id.Keyspace, "shard": id.Shard}
	}
	return logrus.Fields{"object": object, "kind": set.Kind()}
}

// observe builds the snapshot from the listers and the engine's memory.
func (e *Engine) observe(set Set, spec Spec, mem *setMemory, log *logrus.Entry) (*pass, error) {
	obj := set.Object()
	pods, err := e.pods.List(obj.GetNamespace(), set.Kind(), obj.GetName())
	if err != nil {
		return nil, fmt.Errorf("listing members: %w", err)
	}
	byOrdinal := map[int]*corev1.Pod{}
	shown := make(map[string]bool, len(pods))
	var foreign []string
	for _, p := range pods {
		shown[p.Name] = true
		if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != obj.GetUID() {
			// Labels alone never make a member: a pod anyone may create
			// with them would have hooks run in it and could be promoted.
			foreign = append(foreign, p.Name)
			continue
		}
		n, err := strconv.Atoi(p.Labels[LabelOrdinal])
		if err != nil || n < 0 {
			continue // not a member this engine made
		}
		if other, dup := byOrdinal[n]; dup && other.Name < p.Name {
			continue // two pods claim one ordinal; keep one name, the same every pass
		}
		byOrdinal[n] = p
	}
	snap := &Snapshot{Spec: spec, Now: e.now(), Blocked: set.Blocked(), KnownGoodReplicas: set.KnownGoodReplicas(), FailedSeed: mem.failedSeed,
		PromoteFailed: mem.promoteFailed}
	snap.Unseen = mem.unseen(shown, snap.Now)
	lastPrimaries := set.LastPrimaries()
	ordinals := map[int]bool{}
	for n := range spec.Desired {
		ordinals[n] = true
	}
	for n := range byOrdinal {
		ordinals[n] = true
	}
	for n := range ordinals {
		m := &Member{Ordinal: n, Name: set.PodName(n)}
		if p, ok := byOrdinal[n]; ok {
			m.Name = p.Name
			m.Pod = podView(p)
		}
		mem.recall(m, lastPrimaries)
		snap.Members = append(snap.Members, m)
	}
	sort.Slice(snap.Members, func(i, j int) bool { return snap.Members[i].Ordinal < snap.Members[j].Ordinal })
	return &pass{set: set, snap: snap, pods: byOrdinal, mem: mem, log: log, foreign: foreign}, nil
}
