package dataplane

import (
	"context"
	"fmt"

	"github.com/vitess-operator/vitess-operator/pkg/redact"
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

// Observer is a driver whose status check reads the member's position (and
// term) too, as the Vitess driver's does; the engine then asks each member
// once per pass instead of twice.
type Observer interface {
	// Observe is Status, with the position when the member answered.
	Observe(ctx context.Context, m Member) Observation
}

// Observation is what a driver saw of one member.
type Observation struct {
	State  State
	Detail string
	// Position is the member's position when it answered, else nil.
	Position Position
	// Term orders primaries: when two members both act as primaries, the one
	// with the lower term is the stale one. Zero when the driver has no terms.
	Term int64
	// Source is the pod of the member a secondary replicates from, read
	// from the data plane; empty when the driver cannot tell, or the source
	// is no member of the set.
	Source string
	// ServerID is the identity the member's own transactions carry in
	// positions (MySQL's server_uuid); empty when the driver cannot tell.
	ServerID string
	// AgentDown is set on a failed member whose database answers while the
	// agent that serves its data-plane commands does not (a Vitess tablet
	// whose mysqld is up and whose vttablet is not).
	AgentDown bool
}

// SetObservation is what a driver saw of a whole set in one call.
type SetObservation struct {
	// Members are the observations by pod name.
	Members map[string]Observation
	// Strangers are records the data plane keeps of members of this set
	// that no member stands for any more (a tablet record left behind).
	Strangers []string
}

// SetProber is a driver that observes every member of a set in one call, as
// the Vitess driver does through vtctld; the engine then needs one exec per
// pass for a healthy set instead of one per member.
type SetProber interface {
	// ProbeSet observes members; known are the IDs of every member the set
	// has, running or not, so that records of others can be told apart. A
	// member missing from the result is probed on its own with Status. An
	// error means the set could not be observed at all (its control plane
	// does not answer), which says nothing about any member.
	ProbeSet(ctx context.Context, members []Member, known []string) (SetObservation, error)
}

// Forgetter is a driver whose data plane keeps records of members, such as
// Vitess's tablet records in the topology. The engine has it forget a member
// before it deletes the pod of a member that leaves the set for good, and
// the records of members no member stands for any more (see
// SetObservation.Strangers). The command runs from via's pod.
type Forgetter interface {
	Forget(ctx context.Context, via Member, ids []string) error
}

// PrimaryReleaser is a driver whose data plane records which member is the
// primary and whose members cannot start while that primary is lost (a
// Vitess replica's vttablet asks the primary the shard record names for
// its position before it serves). ReleasePrimary deletes a lost primary's
// record, and with it the shard's record of its primary, so that they
// start and a failover can reach them. The command runs from via's pod.
type PrimaryReleaser interface {
	ReleasePrimary(ctx context.Context, via Member, id string) error
}

// Failover is what the engine knows when it replaces a lost primary.
type Failover struct {
	// To is the member to promote.
	To Member
	// From is the primary being replaced, when the engine knows it.
	From *Member
	// Down are the IDs of every member that did not answer in the pass that
	// chose To, with a pod or without one. The data plane's own record of
	// its primary may name one of them rather than From: the operator's
	// bookkeeping of the last reparent can lag the data plane's (a restart
	// between the two).
	Down []string
}

// FailoverDriver is a driver with its own way to replace a lost primary,
// such as Vitess's EmergencyReparentShard; the engine uses it instead of
// Promote when a primary was lost.
type FailoverDriver interface {
	Failover(ctx context.Context, f Failover) error
}

// Rebuilder is a driver that can discard a member's data, so that the
// member's next pod starts as a new member would: empty, or from a backup,
// and catches up from the primary. The engine uses it only on a secondary
// whose transactions the primary and another member already hold, less
// those it committed itself and no other member holds (which no member
// acknowledged), after stopping its replication; the caller then deletes
// the member's pod, never its claim.
type Rebuilder interface {
	Rebuild(ctx context.Context, m Member) error
}

// Fencer is a driver that can make a primary stop taking writes and check
// that it did, such as by setting a MySQL server read-only and reading the
// setting back. Fence returns nil only once the member is verified fenced.
type Fencer interface {
	Fence(ctx context.Context, m Member) error
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
	return fmt.Sprintf("%s hook in %s exited %d: %s", e.Hook, e.Member, e.ExitCode, safeOutput(e.Stderr))
}

// safeOutput is what a command printed made fit for an error, a status
// condition, an Event or a log line: secret-looking values masked, control
// characters removed, at most redact.Limit bytes.
func safeOutput(s string) string { return redact.Sanitize(s) }
