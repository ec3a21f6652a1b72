package replication

import (
	"slices"
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// memberRecord is what the engine remembers of one member between passes.
type memberRecord struct {
	// uid is the pod the probe, failures and followedAt belong to.
	uid      types.UID
	probe    Probe
	probed   bool
	failures int
	// followedAt is when the engine last started the pod as a secondary.
	followedAt time.Time
	// known is the last position the member reported, whichever pod ran
	// it: the data lives on the member's claim.
	known dataplane.Position
	// unavailableSince is when the member was first seen unavailable with
	// no answer since; zero while it answers.
	unavailableSince time.Time
	// lastAnswer is the state the member last answered with, whichever pod
	// ran it: a member whose primary pod went away was a primary.
	lastAnswer dataplane.State
	// answeredAt is when the pod of uid last answered.
	answeredAt time.Time
	// released: the member's record as the data plane's primary was
	// deleted (ActRelease) and it has not answered since.
	released bool
	// promotedAt is the position at which this process promoted the
	// member; like known, it outlives the pod.
	promotedAt dataplane.Position
}

// setMemory is what the engine remembers about a set between passes. It is
// only a cache: after a restart the engine rebuilds everything it needs from
// pods, their labels and the data plane, so losing it costs at most a probe,
// a remembered position, and the time already spent waiting for a member.
type setMemory struct {
	uid        types.UID
	members    map[int]*memberRecord
	failedSeed *SeedAttempt
	// promoteFailed says the last promotion the data plane was asked for
	// failed; a successful one clears it.
	promoteFailed bool
	lastRefuse    string
	// created are the pods this engine created that the cache has not
	// shown yet, with when they were created.
	created map[string]time.Time
	// settled counts the passes in a row that found the set settled; it
	// stretches the safety-net interval (safetyNetInterval).
	settled int
	// claimRefusals are the claim growths the API server refused, by
	// "claim=size", with why: not asked again until the size changes.
	claimRefusals map[string]string
}

// createdGrace is how long the engine waits for the cache to show a pod it
// created: informer events take milliseconds, and a pod deleted at once by
// someone else may never be shown at all.
const createdGrace = 5 * time.Second

// expectCreated remembers that the engine created pod name at now.
func (s *setMemory) expectCreated(name string, now time.Time) {
	if s.created == nil {
		s.created = map[string]time.Time{}
	}
	s.created[name] = now
}

// unseen returns the created pods the cache does not show yet, forgetting
// those it shows and those older than createdGrace.
func (s *setMemory) unseen(shown map[string]bool, now time.Time) []string {
	var out []string
	for name, at := range s.created {
		if shown[name] || now.Sub(at) > createdGrace {
			delete(s.created, name)
			continue
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// memories holds the memory of every set, by kind/namespace/name.
type memories struct {
	mu   sync.Mutex
	sets map[string]*setMemory
}

// get returns the memory of a set; a set made anew under the same name
// starts with an empty one.
func (m *memories) get(key string, uid types.UID) *setMemory {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sets == nil {
		m.sets = map[string]*setMemory{}
	}
	s, ok := m.sets[key]
	if !ok || s.uid != uid {
		s = &setMemory{uid: uid, members: map[int]*memberRecord{}}
		m.sets[key] = s
	}
	return s
}

// forget drops the memory of a set that is gone.
func (m *memories) forget(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sets, key)
}

// record returns the record of an ordinal, made on first use.
func (s *setMemory) record(ordinal int) *memberRecord {
	r, ok := s.members[ordinal]
	if !ok {
		r = &memberRecord{}
		s.members[ordinal] = r
	}
	return r
}

// recall fills what the engine remembers into a member of a new snapshot.
// Of a member this process never saw answer, it knows only whether the
// set's status last named it a primary (lastPrimaries).
func (s *setMemory) recall(m *Member, lastPrimaries []string) {
	r, ok := s.members[m.Ordinal]
	if !ok || r.lastAnswer == "" {
		m.WasPrimary = slices.Contains(lastPrimaries, m.Name)
	}
	if !ok {
		return
	}
	m.Known, m.UnavailableSince, m.PromotedAt = r.known, r.unavailableSince, r.promotedAt
	if r.lastAnswer != "" {
		m.WasPrimary = r.lastAnswer == dataplane.StatePrimary
	}
	m.WasSecondary = r.lastAnswer == dataplane.StateSecondary
	m.Released = r.released
	if m.Pod != nil && r.uid == m.Pod.UID {
		m.Failures, m.FollowedAt = r.failures, r.followedAt
		m.AnsweredSinceStart = !r.answeredAt.IsZero() && !r.answeredAt.Before(m.Pod.StartedAt)
	}
}

// observe records what a pass learned of a member: its probe (a failure
// counts only when countable, after the member's startup timeout), its
// position, and whether it answered.
func (s *setMemory) observe(m *Member, now time.Time, countable bool) {
	r := s.record(m.Ordinal)
	if m.Pod != nil && r.uid != m.Pod.UID {
		r.uid, r.probe, r.probed, r.failures, r.followedAt, r.answeredAt = m.Pod.UID, Probe{}, false, 0, time.Time{}, time.Time{}
	}
	if m.Probe != nil {
		r.probe, r.probed = *m.Probe, true
		switch m.Probe.State {
		case dataplane.StateFailed:
			if countable {
				r.failures++
			}
		case dataplane.StatePrimary, dataplane.StateSecondary:
			// Being stopped does not clear the count: a member that fails,
			// is stopped and fails again on its restart has failed twice,
			// and its pod is replaced instead of being restarted forever.
			r.failures = 0
		}
	}
	if m.Position != nil {
		r.known = m.Position
	}
	if answered(m) {
		r.unavailableSince, r.lastAnswer, r.answeredAt, r.released = time.Time{}, m.state(), now, false
	} else if r.unavailableSince.IsZero() {
		r.unavailableSince = now
	}
	m.Failures, m.Known, m.UnavailableSince = r.failures, r.known, r.unavailableSince
}

// answered reports whether a member answered its status check in this pass.
func answered(m *Member) bool {
	switch m.state() {
	case dataplane.StatePrimary, dataplane.StateSecondary, dataplane.StateStopped:
		return true
	}
	return false
}

// followed records that the member was started as a secondary. Its start
// hook ran: it was available then, and from then on it may receive and
// acknowledge writes, so an unavailability that began before no longer
// counts towards its being stale (a failover would stop waiting for it at
// once the next time it does not answer).
func (s *setMemory) followed(m *Member, now time.Time) {
	r := s.record(m.Ordinal)
	r.followedAt, r.unavailableSince = now, time.Time{}
}

// releasedPrimary records that the member's primary record was deleted.
func (s *setMemory) releasedPrimary(ordinal int) { s.record(ordinal).released = true }

// promoted records the position at which the member was made a primary.
func (s *setMemory) promoted(ordinal int, at dataplane.Position) { s.record(ordinal).promotedAt = at }

// rebuilt forgets what the member's data told: it was discarded, and the
// member starts again empty. An old position of a member that held
// unacknowledged writes must not hold a later failover back.
func (s *setMemory) rebuilt(ordinal int) {
	r := s.record(ordinal)
	r.known, r.lastAnswer, r.unavailableSince, r.failures, r.promotedAt = nil, "", time.Time{}, 0, nil
}

// prune forgets members that are neither desired nor have a pod.
func (s *setMemory) prune(snap *Snapshot) {
	keep := map[int]bool{}
	for _, m := range snap.Members {
		keep[m.Ordinal] = true
	}
	for o := range s.members {
		if !keep[o] {
			delete(s.members, o)
		}
	}
}

// lastProbe returns the last probe of a member's current pod, if any.
func (s *setMemory) lastProbe(ordinal int, uid types.UID) (Probe, bool) {
	r, ok := s.members[ordinal]
	if !ok || r.uid != uid || !r.probed {
		return Probe{}, false
	}
	return r.probe, true
}
