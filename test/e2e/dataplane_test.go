package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// simState is the part of a simulated member's data the sampler reads: the
// RSS role, or a Vitess tablet's mysqld writability, and the pod whose
// process holds them (test/tabletsim/state.go).
type simState struct {
	Role     string `json:"role"`
	Writable bool   `json:"writable"`
	Pod      string `json:"pod"`
	// GTIDs are the transactions the member holds; RestoredFrom and
	// RestorePosition the backup a Vitess tablet restored at its start.
	GTIDs           string `json:"gtids"`
	RestoredFrom    string `json:"restoredFrom"`
	RestorePosition string `json:"restorePosition"`
}

// writableSampler reads, every few milliseconds, which members of a
// namespace act as primaries in the data plane itself: a Vitess tablet
// whose mysqld is writable, a ReplicatedStatefulSet member whose process
// runs as primary. A member counts only while its pod runs (its registry
// entry exists, its process is the current pod's) and its node is not lost:
// a primary cut off with its node takes no client's writes, and demotes
// itself when it comes back. It is the invariant the labels the operator
// writes cannot prove.
type writableSampler struct {
	mu      sync.Mutex
	most    int
	at      []string
	samples int
	// history is every distinct set of acting primaries, in order, each
	// as a sorted, comma-joined list ("" for none), per replicated set.
	history map[string][]string
	stop    context.CancelFunc
	done    chan struct{}
}

// sampleWritable starts sampling the members of ns whose pod names start
// with prefix; stop it with stop().
func sampleWritable(ctx context.Context, t testing.TB, ns, prefix string) *writableSampler {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	w := &writableSampler{stop: cancel, done: make(chan struct{}), history: map[string][]string{}}
	reg := filepath.Join(cluster.SimRoot(), "registry", ns)
	go func() {
		defer close(w.done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			groups := actingPrimaries(reg, prefix)
			w.mu.Lock()
			w.samples++
			for group, primaries := range groups {
				if len(primaries) > w.most {
					w.most, w.at = len(primaries), primaries
				}
				w.record(group, strings.Join(primaries, ","))
			}
			for group := range w.history {
				if _, ok := groups[group]; !ok {
					w.record(group, "")
				}
			}
			w.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	t.Cleanup(func() { w.finish() })
	return w
}

// actingPrimaries lists the members whose data plane acts as a primary now,
// by replicated set: a Vitess tablet's shard (from its environment), or
// else the prefix. A sample reads the members' files one after another, so
// a planned reparent between two reads would show the demoted primary
// still writable and the promoted one already writable, which never held at
// one moment; a set with more than one is read again, the later-read member
// first, and only members that still act count.
func actingPrimaries(reg, prefix string) map[string][]string {
	entries, err := os.ReadDir(reg)
	if err != nil {
		return nil
	}
	out := map[string][]string{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || strings.Contains(name, ".") {
			continue
		}
		if group, ok := actingPrimary(reg, name, prefix); ok {
			out[group] = append(out[group], name)
		}
	}
	for group, names := range out {
		if len(names) < 2 {
			continue
		}
		var still []string
		for i := len(names) - 1; i >= 0; i-- {
			if _, ok := actingPrimary(reg, names[i], prefix); ok {
				still = append(still, names[i])
			}
		}
		sort.Strings(still)
		out[group] = still
	}
	return out
}

// actingPrimary reports whether the member name acts as a primary now, and
// its replicated set.
func actingPrimary(reg, name, prefix string) (string, bool) {
	link := filepath.Join(reg, name)
	uid, err := os.ReadFile(link + ".uid")
	if err != nil {
		return "", false
	}
	if _, err := os.Stat(link + ".lost"); err == nil {
		return "", false
	}
	data, err := os.ReadFile(filepath.Join(link, "tabletsim.json"))
	if err != nil {
		return "", false
	}
	var st simState
	if json.Unmarshal(data, &st) != nil || st.Pod != string(uid) || !(st.Writable || st.Role == "primary") {
		return "", false
	}
	group := prefix
	var env map[string]string
	if data, err := os.ReadFile(link + ".env.json"); err == nil && json.Unmarshal(data, &env) == nil && env["TABLET_SHARD"] != "" {
		group = env["TABLET_KEYSPACE"] + "/" + env["TABLET_SHARD"]
	}
	return group, true
}

// record appends now to group's history when it differs from the last entry.
func (w *writableSampler) record(group, now string) {
	h := w.history[group]
	if len(h) == 0 || h[len(h)-1] != now {
		w.history[group] = append(h, now)
	}
}

// primariesSeen returns the history of group's acting primaries so far.
func (w *writableSampler) primariesSeen(group string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.history[group]...)
}

// finish stops sampling and returns the most members acting as primaries at
// one sample, which they were, and how many samples were taken.
func (w *writableSampler) finish() (int, []string, int) {
	w.stop()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.most, w.at, w.samples
}
