package replication

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// act takes one step. A refusal is announced once, as an event, until the
// engine takes another step.
func (e *Engine) act(ctx context.Context, p *pass, a Action) error {
	if a.Type == ActRefuse {
		if p.mem.lastRefuse != a.Reason {
			p.mem.lastRefuse = a.Reason
			e.recorder.Event(p.set.Object(), corev1.EventTypeWarning, "Refused", a.Reason)
		}
		return nil
	}
	p.mem.lastRefuse = ""
	first := func() *Member { return p.snap.member(a.Members[0]) }
	switch a.Type {
	case ActCreatePods:
		return e.createMembers(ctx, p, a.Members)
	case ActDeletePod:
		return e.deleteMember(ctx, p, first(), a)
	case ActLabel:
		return e.labelRoles(ctx, p, a)
	case ActSeed:
		return e.seed(ctx, p, first())
	case ActPromote:
		return e.promote(ctx, p, first(), a)
	case ActFollow:
		return e.follow(ctx, p, first())
	case ActStop:
		return e.stop(ctx, p, first(), a)
	case ActFence:
		return e.fence(ctx, p, first(), a)
	case ActSwitchover:
		return e.switchover(ctx, p, first(), p.snap.member(a.Members[1]), a)
	case ActForget:
		return e.forget(ctx, p, first(), a)
	case ActRebuild:
		return e.rebuild(ctx, p, first(), a)
	case ActRelease:
		return e.release(ctx, p, first(), a)
	}
	return fmt.Errorf("unknown action %s", a.Type)
}

// labelRoles writes each member's observed role into its pod's labels.
func (e *Engine) labelRoles(ctx context.Context, p *pass, a Action) error {
	for _, m := range p.snap.members(a.Members) {
		if err := e.patchMember(ctx, p.set, m, roleLabel(m.Probe.State), nil); err != nil {
			return err
		}
	}
	return nil
}

// forget deletes the data plane's records of a.IDs, through member m.
func (e *Engine) forget(ctx context.Context, p *pass, m *Member, a Action) error {
	f, ok := p.set.Driver().(dataplane.Forgetter)
	if !ok {
		return fmt.Errorf("the %s driver keeps no records to forget", p.set.Kind())
	}
	if err := f.Forget(ctx, p.target(m), a.IDs); err != nil {
		return fmt.Errorf("forgetting %v: %w", a.IDs, err)
	}
	e.recorder.Eventf(p.set.Object(), corev1.EventTypeNormal, "Forgotten", "%s", a.Reason)
	return nil
}

// release deletes the data plane's record of lost primary m, through a
// member that answers.
func (e *Engine) release(ctx context.Context, p *pass, m *Member, a Action) error {
	r, ok := p.set.Driver().(dataplane.PrimaryReleaser)
	if !ok {
		return fmt.Errorf("the %s driver keeps no primary record to release", p.set.Kind())
	}
	via, ok := p.runningMember(m)
	if !ok {
		return fmt.Errorf("releasing %s: no member answers to run the command from", m.Name)
	}
	if err := r.ReleasePrimary(ctx, via, p.set.Member(p.podOrRendered(m)).ID); err != nil {
		return fmt.Errorf("releasing lost primary %s: %w", m.Name, err)
	}
	p.mem.releasedPrimary(m.Ordinal)
	e.recorder.Eventf(p.set.Object(), corev1.EventTypeNormal, "PrimaryReleased", "%s", a.Reason)
	return nil
}

// rebuild discards member m's data through the driver, then deletes its
// pod, never its claim: the next pod on the claim starts as a new member.
// The pod goes even when the driver failed: a teardown that stopped
// halfway leaves data no pod should run on, and one that never started
// leaves the member as it was, to be rebuilt again on its return.
func (e *Engine) rebuild(ctx context.Context, p *pass, m *Member, a Action) error {
	obj := p.set.Object()
	r, ok := p.set.Driver().(dataplane.Rebuilder)
	if !ok {
		return fmt.Errorf("the %s driver cannot discard a member's data", p.set.Kind())
	}
	err := r.Rebuild(ctx, p.target(m))
	if err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "RebuildFailed", "discarding the data of %s failed (%v); deleting its pod", m.Name, err)
	} else {
		p.mem.rebuilt(m.Ordinal)
		e.recorder.Eventf(obj, corev1.EventTypeNormal, "Rebuilt", "%s", a.Reason)
	}
	derr := e.deleteMember(ctx, p, m, Action{Type: ActDeletePod, Reason: "rebuilding it: " + a.Reason})
	return errors.Join(err, derr)
}

// primaryNames are the DNS names of the running primaries, as start hooks get them.
func (p *pass) primaryNames() []string {
	var names []string
	for _, m := range p.snap.primaries() {
		names = append(names, p.target(m).DNSName)
	}
	return names
}

func (e *Engine) seed(ctx context.Context, p *pass, m *Member) error {
	obj := p.set.Object()
	if err := p.set.Driver().Seed(ctx, p.target(m), nil); err != nil {
		p.mem.failedSeed = &SeedAttempt{Ordinal: m.Ordinal, Position: m.Position}
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "SeedFailed", "seed on %s failed: %v", m.Name, err)
		return err
	}
	p.mem.failedSeed = nil
	e.metrics.seeded(p.set)
	e.recorder.Eventf(obj, corev1.EventTypeNormal, "Seeded", "seeded the set from %s at position %s", m.Name, positionString(m.Position))
	none := ""
	return e.patchMember(ctx, p.set, m, RolePrimary, &none)
}

func (e *Engine) promote(ctx context.Context, p *pass, m *Member, a Action) error {
	obj := p.set.Object()
	var err error
	if f, ok := p.set.Driver().(dataplane.FailoverDriver); ok && a.Failover {
		err = f.Failover(ctx, p.failoverOf(m, a))
	} else {
		err = p.set.Driver().Promote(ctx, p.target(m), p.primaryNames())
	}
	p.mem.promoteFailed = err != nil
	if err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "PromoteFailed", "promoting %s failed: %v", m.Name, err)
		return err
	}
	if m.Position != nil {
		p.mem.promoted(m.Ordinal, m.Position)
	}
	if a.Failover {
		e.metrics.failedOver(p.set, p.lostFor(a))
		e.recorder.Eventf(obj, corev1.EventTypeNormal, "FailedOver", "failed over to %s at position %s", m.Name, positionString(m.Position))
	} else {
		e.recorder.Eventf(obj, corev1.EventTypeNormal, "Promoted", "%s", a.Reason)
	}
	none := ""
	return e.patchMember(ctx, p.set, m, RolePrimary, &none)
}

// lostFor is how long the primary a failover replaces had not answered,
// zero when the engine does not know.
func (p *pass) lostFor(a Action) time.Duration {
	if a.From == nil {
		return 0
	}
	if from := p.snap.member(*a.From); from != nil && !from.UnavailableSince.IsZero() {
		return p.snap.Now.Sub(from.UnavailableSince)
	}
	return 0
}

// failoverOf is what the driver is told of a failover to m.
func (p *pass) failoverOf(m *Member, a Action) dataplane.Failover {
	f := dataplane.Failover{To: p.target(m)}
	if a.From != nil {
		if from := p.snap.member(*a.From); from != nil {
			t := p.set.Member(p.podOrRendered(from))
			f.From = &t
		}
	}
	for _, o := range p.snap.Members {
		if o != m && p.snap.availabilityOf(o) != answering {
			f.Down = append(f.Down, p.set.Member(p.podOrRendered(o)).ID)
		}
	}
	return f
}

// runningMember is a member to run a command from: one that answered in
// this pass, other than m where there is one, else m itself if it answered.
func (p *pass) runningMember(m *Member) (dataplane.Member, bool) {
	for _, o := range p.snap.Members {
		if o != m && p.snap.availabilityOf(o) == answering {
			return p.target(o), true
		}
	}
	if p.snap.availabilityOf(m) == answering {
		return p.target(m), true
	}
	return dataplane.Member{}, false
}

// podOrRendered is a member's pod, or a pod rendered from the spec when it
// has none, for a driver that only needs its identity.
func (p *pass) podOrRendered(m *Member) *corev1.Pod {
	if pod := p.pods[m.Ordinal]; pod != nil {
		return pod
	}
	if pod, err := p.set.Pod(m.Ordinal); err == nil {
		return pod
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: m.Name, Namespace: p.set.Object().GetNamespace(),
		Labels: map[string]string{LabelOrdinal: fmt.Sprint(m.Ordinal)}}}
}

func (e *Engine) follow(ctx context.Context, p *pass, m *Member) error {
	key := primariesKey(p.snap)
	p.mem.followed(m, p.snap.Now)
	if err := p.set.Driver().Follow(ctx, p.target(m), p.primaryNames()); err != nil {
		return err
	}
	return e.patchMember(ctx, p.set, m, RoleSecondary, &key)
}

// stop runs the stop hook; a member that cannot be stopped is fenced by
// deleting its pod.
func (e *Engine) stop(ctx context.Context, p *pass, m *Member, a Action) error {
	obj := p.set.Object()
	if err := p.set.Driver().Stop(ctx, p.target(m)); err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "StopFailed", "stopping %s failed (%v); deleting its pod", m.Name, err)
		return e.deleteMember(ctx, p, m, Action{Type: ActDeletePod, Reason: "stop failed", Leaving: !p.snap.desired(m)})
	}
	e.recorder.Eventf(obj, corev1.EventTypeNormal, "Stopped", "stopped %s: %s", m.Name, a.Reason)
	none := ""
	return e.patchMember(ctx, p.set, m, RoleStopped, &none)
}

// fence makes a primary stop taking writes: with the driver's verified
// fence where it has one, else its stop hook; a member that cannot be
// fenced is fenced by deleting its pod.
func (e *Engine) fence(ctx context.Context, p *pass, m *Member, a Action) error {
	obj := p.set.Object()
	var err error
	if f, ok := p.set.Driver().(dataplane.Fencer); ok {
		err = f.Fence(ctx, p.target(m))
	} else {
		err = p.set.Driver().Stop(ctx, p.target(m))
	}
	if err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "FenceFailed", "fencing %s failed (%v); deleting its pod", m.Name, err)
		return e.deleteMember(ctx, p, m, Action{Type: ActDeletePod, Reason: "fence failed", Force: m.Pod.NodeUnreachable, Leaving: !p.snap.desired(m)})
	}
	e.recorder.Eventf(obj, corev1.EventTypeNormal, "Fenced", "fenced %s: %s", m.Name, a.Reason)
	none := ""
	return e.patchMember(ctx, p.set, m, RoleStopped, &none)
}

// createMembers creates the claims and pods of members that have none, and
// remembers the pods until the cache shows them.
func (e *Engine) createMembers(ctx context.Context, p *pass, ordinals []int) error {
	set := p.set
	obj := set.Object()
	ns := obj.GetNamespace()
	for _, o := range ordinals {
		if going := e.claimsGoing(set, o); len(going) > 0 {
			// The claim's deletion pokes the set (claimHandler) once it is gone.
			continue
		}
		for _, c := range set.Claims(o) {
			if _, err := e.claims.PersistentVolumeClaims(ns).Get(c.Name); err == nil {
				continue
			}
			if _, err := e.kube.CoreV1().PersistentVolumeClaims(ns).Create(ctx, c, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				return fmt.Errorf("creating claim %s: %w", c.Name, err)
			}
		}
		pod, err := set.Pod(o)
		if err != nil {
			return fmt.Errorf("rendering member %d: %w", o, err)
		}
		if _, err := e.kube.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("creating pod %s: %w", pod.Name, err)
		}
		p.mem.expectCreated(pod.Name, e.now())
		e.recorder.Eventf(obj, corev1.EventTypeNormal, "MemberCreated", "created pod %s", pod.Name)
	}
	return nil
}

// deleteMember deletes a member's pod, only the very pod the decision saw,
// and its claims when the action says so. A member leaving the set for good
// is first removed from the data plane's records, where the driver keeps any.
func (e *Engine) deleteMember(ctx context.Context, p *pass, m *Member, a Action) error {
	obj := p.set.Object()
	ns := obj.GetNamespace()
	if f, ok := p.set.Driver().(dataplane.Forgetter); ok && a.Leaving {
		// With no member to run the command from, the record is left for
		// the stranger cleanup of a later pass.
		if via, ok := p.runningMember(m); ok {
			if err := f.Forget(ctx, via, []string{p.set.Member(p.podOrRendered(m)).ID}); err != nil {
				return fmt.Errorf("removing %s from the data plane before deleting its pod: %w", m.Name, err)
			}
		}
	}
	if m.Pod != nil {
		uid := m.Pod.UID
		opts := metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}}
		if a.Force {
			zero := int64(0)
			opts.GracePeriodSeconds = &zero
		}
		err := e.kube.CoreV1().Pods(ns).Delete(ctx, m.Name, opts)
		switch {
		case err == nil:
			e.recorder.Eventf(obj, corev1.EventTypeNormal, "MemberDeleted", "deleted pod %s: %s", m.Name, a.Reason)
		case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
			// Gone already, or a new pod took the name: nothing to delete.
		default:
			return fmt.Errorf("deleting pod %s: %w", m.Name, err)
		}
	}
	if !a.DeleteClaims {
		return nil
	}
	var errs []error
	for _, c := range p.set.Claims(m.Ordinal) {
		// Only the very claim that is the set's, checked on the copy the
		// deletion names by UID: a claim of that name made by anyone else
		// is left alone.
		have, ok := e.ownClaim(p.set, c.Name)
		if !ok {
			continue
		}
		uid := have.UID
		err := e.kube.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, c.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			errs = append(errs, fmt.Errorf("deleting claim %s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}
