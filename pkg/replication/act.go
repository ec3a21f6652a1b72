package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// maxParallelHooks bounds how many hooks of one set run at once.
const maxParallelHooks = 16

// parallel runs f for each member, at most maxParallelHooks at a time.
func parallel(ms []*Member, f func(m *Member)) {
	sem := make(chan struct{}, maxParallelHooks)
	var wg sync.WaitGroup
	for _, m := range ms {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(m)
		}()
	}
	wg.Wait()
}

func (s *Snapshot) members(ordinals []int) []*Member {
	want := map[int]bool{}
	for _, o := range ordinals {
		want[o] = true
	}
	var out []*Member
	for _, m := range s.Members {
		if want[m.Ordinal] {
			out = append(out, m)
		}
	}
	return out
}

func (s *Snapshot) member(ordinal int) *Member {
	for _, m := range s.Members {
		if m.Ordinal == ordinal {
			return m
		}
	}
	return nil
}

// probe runs the status hook on members and records the results.
func (e *Engine) probe(ctx context.Context, set Set, snap *Snapshot, mem *setMemory, ordinals []int) {
	ms := snap.members(ordinals)
	prober, withPosition := set.Driver().(dataplane.PositionProber)
	parallel(ms, func(m *Member) {
		target := set.Member(m.Pod.object)
		if withPosition {
			st, detail, pos := prober.StatusAndPosition(ctx, target)
			m.Probe, m.Position = &Probe{State: st, Detail: detail}, pos
			return
		}
		st, detail := set.Driver().Status(ctx, target)
		m.Probe = &Probe{State: st, Detail: detail}
	})
	for _, m := range ms {
		m.Failures = mem.recordProbe(m.Ordinal, m.Pod.UID, *m.Probe)
	}
}

// positions asks members for their replication positions.
func (e *Engine) positions(ctx context.Context, set Set, snap *Snapshot, ordinals []int) {
	parallel(snap.members(ordinals), func(m *Member) {
		pos, err := set.Driver().Position(ctx, set.Member(m.Pod.object))
		if err != nil {
			m.PositionErr = err.Error()
			return
		}
		m.Position = pos
	})
}

// act takes one step.
func (e *Engine) act(ctx context.Context, set Set, snap *Snapshot, mem *setMemory, a Action) error {
	obj := set.Object()
	switch a.Type {
	case ActRefuse:
		if mem.lastRefuse != a.Reason {
			mem.lastRefuse = a.Reason
			e.recorder.Event(obj, corev1.EventTypeWarning, "Refused", a.Reason)
		}
		return nil
	case ActCreatePods:
		return e.createMembers(ctx, set, a.Members)
	case ActDeletePod:
		return e.deleteMember(ctx, set, snap.member(a.Members[0]), a)
	case ActLabel:
		for _, m := range snap.members(a.Members) {
			if err := e.patchMember(ctx, set, m, roleLabel(m.Probe.State), nil); err != nil {
				return err
			}
		}
		return nil
	}
	mem.lastRefuse = ""
	m := snap.member(a.Members[0])
	primaries := e.primaryNames(set, snap)
	var err error
	switch a.Type {
	case ActSeed:
		err = e.seed(ctx, set, mem, m)
	case ActPromote:
		err = e.promote(ctx, set, m, primaries, a)
	case ActFollow:
		key := primariesKey(snap)
		if err = set.Driver().Follow(ctx, set.Member(m.Pod.object), primaries); err == nil {
			err = e.patchMember(ctx, set, m, RoleSecondary, &key)
		}
	case ActStop:
		err = e.stop(ctx, set, m, a)
	case ActSwitchover:
		err = e.switchover(ctx, set, snap, m, snap.member(a.Members[1]), a)
	default:
		err = fmt.Errorf("unknown action %s", a.Type)
	}
	return err
}

// primaryNames are the DNS names of the running primaries, as start hooks get them.
func (e *Engine) primaryNames(set Set, snap *Snapshot) []string {
	var names []string
	for _, m := range snap.primaries() {
		names = append(names, set.Member(m.Pod.object).DNSName)
	}
	return names
}

func (e *Engine) seed(ctx context.Context, set Set, mem *setMemory, m *Member) error {
	obj := set.Object()
	if err := set.Driver().Seed(ctx, set.Member(m.Pod.object), nil); err != nil {
		mem.failedSeed = &SeedAttempt{Ordinal: m.Ordinal, Position: m.Position}
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "SeedFailed", "seed on %s failed: %v", m.Name, err)
		return err
	}
	mem.failedSeed = nil
	e.metrics.seeded(set.Kind())
	e.recorder.Eventf(obj, corev1.EventTypeNormal, "Seeded", "seeded the set from %s at position %s", m.Name, positionString(m.Position))
	none := ""
	return e.patchMember(ctx, set, m, RolePrimary, &none)
}

func (e *Engine) promote(ctx context.Context, set Set, m *Member, primaries []string, a Action) error {
	obj := set.Object()
	promote := set.Driver().Promote
	if f, ok := set.Driver().(dataplane.FailoverDriver); ok && a.Failover {
		promote = f.Failover
	}
	if err := promote(ctx, set.Member(m.Pod.object), primaries); err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "PromoteFailed", "promoting %s failed: %v", m.Name, err)
		return err
	}
	if a.Failover {
		e.metrics.failedOver(set.Kind())
		e.recorder.Eventf(obj, corev1.EventTypeNormal, "FailedOver", "failed over to %s at position %s", m.Name, positionString(m.Position))
	} else {
		e.recorder.Eventf(obj, corev1.EventTypeNormal, "Promoted", "%s", a.Reason)
	}
	none := ""
	return e.patchMember(ctx, set, m, RolePrimary, &none)
}

// stop runs the stop hook; a member that cannot be stopped is fenced by
// deleting its pod.
func (e *Engine) stop(ctx context.Context, set Set, m *Member, a Action) error {
	obj := set.Object()
	if err := set.Driver().Stop(ctx, set.Member(m.Pod.object)); err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "StopFailed", "stopping %s failed (%v); deleting its pod", m.Name, err)
		return e.deleteMember(ctx, set, m, Action{Type: ActDeletePod, Reason: "stop failed"})
	}
	e.recorder.Eventf(obj, corev1.EventTypeNormal, "Stopped", "stopped %s: %s", m.Name, a.Reason)
	none := ""
	return e.patchMember(ctx, set, m, RoleStopped, &none)
}

// createMembers creates the claims and pods of members that have none.
func (e *Engine) createMembers(ctx context.Context, set Set, ordinals []int) error {
	obj := set.Object()
	ns := obj.GetNamespace()
	for _, o := range ordinals {
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
		e.recorder.Eventf(obj, corev1.EventTypeNormal, "MemberCreated", "created pod %s", pod.Name)
	}
	return nil
}

// deleteMember deletes a member's pod, only the very pod the decision saw,
// and its claims when the action says so.
func (e *Engine) deleteMember(ctx context.Context, set Set, m *Member, a Action) error {
	obj := set.Object()
	ns := obj.GetNamespace()
	if m.Pod != nil {
		uid := m.Pod.UID
		err := e.kube.CoreV1().Pods(ns).Delete(ctx, m.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
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
	for _, c := range set.Claims(m.Ordinal) {
		err := e.kube.CoreV1().PersistentVolumeClaims(ns).Delete(ctx, c.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting claim %s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}

// patchMember records a member's role, and the primaries it follows when
// following is not nil, on its pod.
func (e *Engine) patchMember(ctx context.Context, set Set, m *Member, role string, following *string) error {
	meta := map[string]any{"labels": map[string]any{LabelRole: role}}
	if following != nil {
		var v any
		if *following != "" {
			v = *following
		}
		meta["annotations"] = map[string]any{AnnotationFollowing: v}
	}
	patch, err := json.Marshal(map[string]any{"metadata": meta})
	if err != nil {
		return err
	}
	ns := set.Object().GetNamespace()
	if _, err := e.kube.CoreV1().Pods(ns).Patch(ctx, m.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("labelling pod %s %s: %w", m.Name, role, err)
	}
	return nil
}

// switchover moves the primary role from one member to another with the
// driver's one-step switchover.
func (e *Engine) switchover(ctx context.Context, set Set, snap *Snapshot, from, to *Member, a Action) error {
	d, ok := set.Driver().(dataplane.SwitchoverDriver)
	if !ok {
		return fmt.Errorf("the %s driver cannot switch over", set.Kind())
	}
	obj := set.Object()
	if err := d.Switchover(ctx, set.Member(from.Pod.object), set.Member(to.Pod.object)); err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "SwitchoverFailed", "moving the primary role from %s to %s failed: %v", from.Name, to.Name, err)
		return err
	}
	e.recorder.Eventf(obj, corev1.EventTypeNormal, "SwitchedOver", "%s", a.Reason)
	none := ""
	if err := e.patchMember(ctx, set, to, RolePrimary, &none); err != nil {
		return err
	}
	following := to.Name
	return e.patchMember(ctx, set, from, RoleSecondary, &following)
}
