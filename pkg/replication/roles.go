package replication

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

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
func (e *Engine) switchover(ctx context.Context, p *pass, from, to *Member, a Action) error {
	d, ok := p.set.Driver().(dataplane.SwitchoverDriver)
	if !ok {
		return fmt.Errorf("the %s driver cannot switch over", p.set.Kind())
	}
	obj := p.set.Object()
	if err := d.Switchover(ctx, p.target(from), p.target(to)); err != nil {
		e.recorder.Eventf(obj, corev1.EventTypeWarning, "SwitchoverFailed", "moving the primary role from %s to %s failed: %v", from.Name, to.Name, err)
		return err
	}
	e.metrics.switchedOver(p.set)
	e.recorder.Eventf(obj, corev1.EventTypeNormal, "SwitchedOver", "%s", a.Reason)
	// The old primary's label goes first: never two pods labelled primary,
	// which the client Service selects by. Its pod may be gone already, a
	// handover of a deleted pod (decide_handover.go) ending as it stops.
	following := to.Name
	if err := e.patchMember(ctx, p.set, from, RoleSecondary, &following); err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	none := ""
	return e.patchMember(ctx, p.set, to, RolePrimary, &none)
}
