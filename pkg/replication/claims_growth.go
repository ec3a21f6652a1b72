package replication

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ConditionClaimsResized is the status condition that says whether every
// claim of the set is as large as its spec asks: False while claims are
// grown, wait for a filesystem resize, or cannot be grown.
const ConditionClaimsResized = "ClaimsResized"

// claimGrowth is what a pass found of claims smaller than the spec asks,
// and the one it grows.
type claimGrowth struct {
	// grow is the claim to grow in this pass, with its new request; nil
	// when none is.
	grow *corev1.PersistentVolumeClaim
	// resizing are claims whose volume is being expanded: their request is
	// above their capacity.
	resizing []string
	// pendingFS are claims whose volume was expanded and whose filesystem
	// is resized when a pod next mounts it (FileSystemResizePending).
	pendingFS []string
	// waiting are claims to grow after the one being grown.
	waiting []string
	// refused says why a claim could not be grown; empty when none was
	// refused.
	refused string
}

// storage is a claim's storage request, or its capacity when capacity.
func storage(c *corev1.PersistentVolumeClaim, capacity bool) resource.Quantity {
	if capacity {
		return c.Status.Capacity[corev1.ResourceStorage]
	}
	return c.Spec.Resources.Requests[corev1.ResourceStorage]
}

// fsResizePending reports whether a claim waits for its filesystem to be
// resized, which happens when a pod mounts it.
func fsResizePending(c *corev1.PersistentVolumeClaim) bool {
	for _, cond := range c.Status.Conditions {
		if cond.Type == corev1.PersistentVolumeClaimFileSystemResizePending && cond.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// planClaimGrowth decides which claim to grow: one at a time, the members
// that were primaries last, and only once no claim of the set is still
// being expanded, so a storage system's trouble shows on one claim, not
// all. want renders a member's claims; have finds the set's own claim by
// name. A claim larger than asked is left alone: claims never shrink.
func planClaimGrowth(members []*Member, want func(ordinal int) []*corev1.PersistentVolumeClaim,
	have func(name string) (*corev1.PersistentVolumeClaim, bool)) claimGrowth {
	ordered := append([]*Member(nil), members...)
	sort.SliceStable(ordered, func(i, j int) bool { return !ordered[i].formerPrimary() && ordered[j].formerPrimary() })
	var g claimGrowth
	var next []*corev1.PersistentVolumeClaim
	for _, m := range ordered {
		for _, w := range want(m.Ordinal) {
			h, ok := have(w.Name)
			if !ok || h.Status.Phase != corev1.ClaimBound {
				continue
			}
			asked, requested, capacity := storage(w, false), storage(h, false), storage(h, true)
			switch {
			case fsResizePending(h):
				g.pendingFS = append(g.pendingFS, h.Name)
			case !capacity.IsZero() && requested.Cmp(capacity) > 0:
				g.resizing = append(g.resizing, h.Name)
			}
			if asked.Cmp(requested) > 0 {
				grown := h.DeepCopy()
				if grown.Spec.Resources.Requests == nil {
					grown.Spec.Resources.Requests = corev1.ResourceList{}
				}
				grown.Spec.Resources.Requests[corev1.ResourceStorage] = asked
				next = append(next, grown)
			}
		}
	}
	if len(next) > 0 && len(g.resizing) == 0 {
		g.grow, next = next[0], next[1:]
	}
	for _, c := range next {
		g.waiting = append(g.waiting, c.Name)
	}
	return g
}

// growClaims grows the set's next claim that is smaller than its spec asks
// (planClaimGrowth), when act; otherwise (a paused or refused set) it only
// reports them. A refusal by the API server (a storage class that does not
// allow expansion) is remembered for that claim and size, so it is not
// asked again every pass, and reported in the status.
func (e *Engine) growClaims(ctx context.Context, p *pass, act bool) (claimGrowth, error) {
	obj := p.set.Object()
	g := planClaimGrowth(p.snap.Members, p.set.Claims, func(name string) (*corev1.PersistentVolumeClaim, bool) {
		return e.ownClaim(p.set, name)
	})
	if g.grow == nil {
		return g, nil
	}
	if !act {
		g.waiting, g.grow = append([]string{g.grow.Name}, g.waiting...), nil
		return g, nil
	}
	size := storage(g.grow, false)
	key := g.grow.Name + "=" + size.String()
	if why, ok := p.mem.claimRefusals[key]; ok {
		g.refused, g.grow = why, nil
		return g, nil
	}
	_, err := e.kube.CoreV1().PersistentVolumeClaims(obj.GetNamespace()).Update(ctx, g.grow, metav1.UpdateOptions{})
	switch {
	case err == nil:
		p.log.WithFields(logrus.Fields{"claim": g.grow.Name, "size": size.String()}).Info("growing claim")
		return g, nil
	case apierrors.IsForbidden(err) || apierrors.IsInvalid(err):
		g.refused = fmt.Sprintf("claim %s cannot grow to %s: %s", g.grow.Name, size.String(), apiMessage(err))
		if p.mem.claimRefusals == nil {
			p.mem.claimRefusals = map[string]string{}
		}
		p.mem.claimRefusals[key] = g.refused
		g.grow = nil
		return g, nil
	case apierrors.IsNotFound(err) || apierrors.IsConflict(err):
		g.grow = nil
		return g, nil // the next pass sees the claim as it is now
	}
	g.grow = nil
	return g, fmt.Errorf("growing claim %s to %s: %w", key, size.String(), err)
}

// apiMessage is the API server's message of an error, without the request
// details client-go adds around it.
func apiMessage(err error) string {
	if s, ok := err.(apierrors.APIStatus); ok {
		return s.Status().Message
	}
	return err.Error()
}

// claimsCondition is the ClaimsResized condition of what a pass found.
func claimsCondition(g claimGrowth) metav1.Condition {
	c := metav1.Condition{Type: ConditionClaimsResized, Status: metav1.ConditionFalse}
	var parts []string
	if g.grow != nil {
		size := storage(g.grow, false)
		parts = append(parts, "growing "+g.grow.Name+" to "+size.String())
	}
	if len(g.resizing) > 0 {
		parts = append(parts, "volume expanding: "+strings.Join(g.resizing, ", "))
	}
	if len(g.pendingFS) > 0 {
		parts = append(parts, "waiting for a filesystem resize, done when a pod next mounts them: "+strings.Join(g.pendingFS, ", "))
	}
	if len(g.waiting) > 0 {
		parts = append(parts, "to grow next, one at a time: "+strings.Join(g.waiting, ", "))
	}
	switch {
	case g.refused != "":
		c.Reason = "Refused"
		parts = append([]string{g.refused}, parts...)
	case g.grow != nil || len(g.resizing) > 0 || len(g.waiting) > 0:
		c.Reason = "Growing"
	case len(g.pendingFS) > 0:
		c.Reason = "FileSystemResizePending"
	default:
		c.Status, c.Reason = metav1.ConditionTrue, "AsAskedFor"
		parts = append(parts, "every claim is as large as the spec asks")
	}
	c.Message = strings.Join(parts, "; ")
	return c
}
