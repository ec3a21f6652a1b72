package replication

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// probeRecord is the last probe of a member's pod.
type probeRecord struct {
	uid      types.UID
	probe    Probe
	failures int
}

// setMemory is what the engine remembers about a set between passes. It is
// only a cache: after a restart the engine rebuilds everything it needs from
// pods, their labels and the hooks, so losing it costs at most a probe.
type setMemory struct {
	uid        types.UID
	probes     map[int]probeRecord
	failedSeed *SeedAttempt
	lastRefuse string
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
		s = &setMemory{uid: uid, probes: map[int]probeRecord{}}
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

// recordProbe stores a member's probe and returns how often the current pod
// failed since it last ran healthy. Being stopped does not clear the count:
// a member that fails, is stopped and fails again on its restart has failed
// twice, and its pod is replaced instead of being restarted forever.
func (s *setMemory) recordProbe(ordinal int, uid types.UID, p Probe) int {
	prev := s.probes[ordinal]
	failures := 0
	if prev.uid == uid {
		failures = prev.failures
	}
	switch p.State {
	case dataplane.StateFailed:
		failures++
	case dataplane.StatePrimary, dataplane.StateSecondary:
		failures = 0
	}
	s.probes[ordinal] = probeRecord{uid: uid, probe: p, failures: failures}
	return failures
}

// lastProbe returns the last probe of a member's current pod, if any.
func (s *setMemory) lastProbe(ordinal int, uid types.UID) (Probe, bool) {
	r, ok := s.probes[ordinal]
	if !ok || r.uid != uid {
		return Probe{}, false
	}
	return r.probe, true
}
