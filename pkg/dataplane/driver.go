package dataplane

import (
	"context"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// State is a member's state as the data plane reports it.
type State string

// Member states.
const (
	// StateSecondary is a running member that follows a primary.
	StateSecondary State = "secondary"
	// StateStopped is a member whose application is stopped.
	StateStopped State = "stopped"
	// StatePrimary is a running primary.
	StatePrimary State = "primary"
	// StateFailed is a member whose status hook ran and reported a failure,
	// or did not finish in time.
	StateFailed State = "failed"
	// StateUnknown is a member the hook could not be run in at all: the exec
	// was refused or the connection failed. Nothing is known of it.
	StateUnknown State = "unknown"
)

// Member is a member a driver acts on.
type Member struct {
	Target
	// DNSName is the stable name peers reach the member by.
	DNSName string
	// ID is the member's name in its data plane, such as a tablet alias.
	ID string
}

// Position is a member's replication position. Positions of members of one
// set compare; ok is false when neither contains the other, as two GTID sets
// that diverged.
type Position interface {
	Compare(other Position) (cmp int, ok bool)
	String() string
}

// Sequence is a position that is a single counter, as the RSS sequence hook prints.
type Sequence uint64

// Compare orders two sequences; a position of another kind does not compare.
func (s Sequence) Compare(other Position) (int, bool) {
	o, ok := other.(Sequence)
	if !ok {
		return 0, false
	}
	switch {
	case s < o:
		return -1, true
	case s > o:
		return 1, true
	}
	return 0, true
}

// String renders the sequence in decimal.
func (s Sequence) String() string { return strconv.FormatUint(uint64(s), 10) }

// Driver drives the data plane of a replicated set. Start hooks get the DNS
// names of the current primaries.
type Driver interface {
	// Position reports how much data a member holds.
	Position(ctx context.Context, m Member) (Position, error)
	// Status reports the member's state; detail says why it failed.
	Status(ctx context.Context, m Member) (state State, detail string)
	// Seed starts the first primary of a set that has none.
	Seed(ctx context.Context, m Member, primaries []string) error
	// Promote starts a member as a primary.
	Promote(ctx context.Context, m Member, primaries []string) error
	// Follow starts a member as a secondary of primaries.
	Follow(ctx context.Context, m Member, primaries []string) error
	// Stop stops the member's application.
	Stop(ctx context.Context, m Member) error
}

// PositionProber is a driver whose status check reads the member's position
// too, as the Vitess driver's one mysql query does; the engine then asks each
// member once per pass instead of twice.
type PositionProber interface {
	// StatusAndPosition is Status, and the position when the member answered.
	StatusAndPosition(ctx context.Context, m Member) (State, string, Position)
}

// FailoverDriver is a driver with its own way to replace a lost primary,
// such as Vitess's EmergencyReparentShard; the engine uses it instead of
// Promote when a primary was lost.
type FailoverDriver interface {
	Failover(ctx context.Context, m Member, primaries []string) error
}

// SwitchoverDriver is a driver that can move the primary role from one
// running member to another in one safe step, such as Vitess's
// PlannedReparentShard.
type SwitchoverDriver interface {
	Switchover(ctx context.Context, from, to Member) error
}

// HookError is a hook that ran and failed.
type HookError struct {
	Hook     string
	Member   string
	ExitCode int
	Stderr   string
}

func (e *HookError) Error() string {
	return fmt.Sprintf("%s hook in %s exited %d: %s", e.Hook, e.Member, e.ExitCode, trimOutput(e.Stderr))
}

// trimOutput keeps hook output short enough for a log line or a condition message.
func trimOutput(s string) string {
	const limit = 240
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut-- // never split a multi-byte character
	}
	return s[:cut] + "…"
}
