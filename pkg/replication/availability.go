package replication

import (
	"fmt"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// availability is what a pass can count on from a member.
type availability int

const (
	// absent: no pod, or a pod being deleted.
	absent availability = iota
	// pending: a pod that does not run yet.
	pending
	// answering: the status check answered primary, secondary or stopped.
	answering
	// starting: the status check failed, but the containers started less
	// than the startup timeout ago and the member has not answered since.
	starting
	// failed: the status check failed after the startup timeout.
	failed
	// unreachable: the status check could not run (the exec was refused or
	// its connection failed), for less than LostAfter, and the pod's node
	// still reports.
	unreachable
	// lost: unreachable on a node that stopped reporting, or for longer than
	// LostAfter.
	lost
)

func (a availability) String() string {
	return [...]string{"absent", "pending", "answering", "starting", "failed", "unreachable", "lost"}[a]
}

// availabilityOf classifies a member from its pod and this pass's probe.
func (s *Snapshot) availabilityOf(m *Member) availability {
	switch {
	case m.Pod == nil || m.Pod.Deleting:
		return absent
	case !m.Pod.Running():
		return pending
	case m.Pod.NodeUnreachable && (m.Probe == nil || m.state() == dataplane.StateUnknown):
		return lost
	case m.Probe == nil:
		return pending // running but not probed in this pass: nothing is known yet
	}
	switch m.state() {
	case dataplane.StatePrimary, dataplane.StateSecondary, dataplane.StateStopped:
		return answering
	case dataplane.StateFailed:
		if _, busy := s.Spec.Busy[m.Ordinal]; busy {
			return starting
		}
		if !m.AnsweredSinceStart && s.withinStartup(m) {
			return starting
		}
		return failed
	}
	if s.unavailableFor(m) >= s.Spec.lostAfter() {
		return lost
	}
	return unreachable
}

// withinStartup reports whether a member's containers started less than the
// startup timeout ago.
func (s *Snapshot) withinStartup(m *Member) bool {
	if m.Pod == nil || m.Pod.StartedAt.IsZero() {
		return true
	}
	return s.Now.Sub(m.Pod.StartedAt) < s.Spec.startupTimeout()
}

// unavailableFor is how long the member has been unavailable without an
// answer in between.
func (s *Snapshot) unavailableFor(m *Member) time.Duration {
	if m.UnavailableSince.IsZero() {
		return 0
	}
	return s.Now.Sub(m.UnavailableSince)
}

// stale reports whether the engine stops waiting for an unavailable member:
// lost, or unavailable for longer than LostAfter.
func (s *Snapshot) stale(m *Member) bool {
	a := s.availabilityOf(m)
	return a == lost || (a != answering && s.unavailableFor(m) >= s.Spec.lostAfter())
}

// describe says what a member is, for status messages.
func (s *Snapshot) describe(m *Member) string {
	a := s.availabilityOf(m)
	switch a {
	case absent:
		if m.Pod != nil {
			return m.Name + " (pod being deleted)"
		}
		return m.Name + " (no pod)"
	case pending:
		if m.Pod.Waiting != "" {
			return fmt.Sprintf("%s (pod %s: %s)", m.Name, m.Pod.Phase, m.Pod.Waiting)
		}
		return fmt.Sprintf("%s (pod %s)", m.Name, m.Pod.Phase)
	case lost:
		if m.Pod.NodeUnreachable {
			return m.Name + " (lost: its node stopped reporting)"
		}
		return fmt.Sprintf("%s (lost: unreachable for %s)", m.Name, s.unavailableFor(m).Round(time.Second))
	case answering:
		return fmt.Sprintf("%s (%s)", m.Name, m.state())
	}
	if m.Probe != nil && m.Probe.Detail != "" {
		return fmt.Sprintf("%s (%s: %s)", m.Name, a, m.Probe.Detail)
	}
	return fmt.Sprintf("%s (%s)", m.Name, a)
}
