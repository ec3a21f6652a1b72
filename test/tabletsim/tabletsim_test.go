package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// world is a namespace of simulated members laid out as the simulation
// host lays them out: data directories and registry links.
type world struct {
	t    testing.TB
	root string
}

func newWorld(t testing.TB, pods ...string) *world {
	w := &world{t: t, root: t.TempDir()}
	for _, p := range pods {
		w.addPod(p, "uid-"+p)
	}
	return w
}

// addPod registers a running pod on the claim of its name, with a pod UID,
// keeping the environment it was registered with before.
func (w *world) addPod(pod, uid string) { w.register(pod, uid, nil) }

// register links a pod into the registry as the simulation host does
// (test/simhost host.go link): its UID and environment files first, then a
// new link renamed into place, so a pod made anew has a new link.
func (w *world) register(pod, uid string, env map[string]string) {
	dir := w.dir(pod)
	require.NoError(w.t, os.MkdirAll(dir, 0o755))
	require.NoError(w.t, os.MkdirAll(filepath.Join(w.root, "registry", "ns"), 0o755))
	link := filepath.Join(w.root, "registry", "ns", pod)
	require.NoError(w.t, os.WriteFile(link+".uid", []byte(uid), 0o644))
	if env != nil {
		data, err := json.Marshal(env)
		require.NoError(w.t, err)
		require.NoError(w.t, os.WriteFile(link+".env.json", data, 0o644))
	}
	_ = os.Remove(link + ".tmp")
	require.NoError(w.t, os.Symlink(dir, link+".tmp"))
	require.NoError(w.t, os.Rename(link+".tmp", link))
}

func (w *world) dir(pod string) string {
	return filepath.Join(w.root, "claims", "ns", "data-"+pod)
}

// hook runs tabletsim in pod's directory and returns its exit code and output.
func (w *world) hook(pod string, args ...string) (int, string) {
	env := map[string]string{"DATA_DIR": w.dir(pod), "POD_NAME": pod, "POD_NAMESPACE": "ns", "SIM_ROOT": w.root, "POD_UID": "uid-" + pod}
	var out, errOut bytes.Buffer
	code := run(args, func(k string) string { return env[k] }, &out, &errOut)
	return code, strings.TrimSpace(out.String() + errOut.String())
}

func (w *world) mustHook(pod string, args ...string) string {
	code, out := w.hook(pod, args...)
	require.Equal(w.t, 0, code, "%s %v: %s", pod, args, out)
	return out
}

func (w *world) removePod(pod string) {
	require.NoError(w.t, os.Remove(filepath.Join(w.root, "registry", "ns", pod)))
	require.NoError(w.t, os.Remove(filepath.Join(w.root, "registry", "ns", pod+".uid")))
}

func (w *world) mark(pod, marker string) {
	require.NoError(w.t, os.WriteFile(filepath.Join(w.dir(pod), marker), nil, 0o644))
}

// TestStatusExitCodes checks the RSS status contract through a member's life.
func TestStatusExitCodes(t *testing.T) {
	w := newWorld(t, "s-0", "s-1")
	code, _ := w.hook("s-0", "status")
	assert.Equal(t, exitStopped, code, "a new member is stopped")
	w.mustHook("s-0", "seed")
	code, _ = w.hook("s-0", "status")
	assert.Equal(t, exitPrimary, code)
	w.mustHook("s-1", "secondary", "s-0.s.ns.svc.cluster.local")
	code, _ = w.hook("s-1", "status")
	assert.Equal(t, exitSecondary, code)
	w.mustHook("s-1", "stop")
	code, _ = w.hook("s-1", "status")
	assert.Equal(t, exitStopped, code)
	w.mark("s-1", markerCrash)
	code, _ = w.hook("s-1", "status")
	assert.Equal(t, exitFailed, code)
	code, _ = w.hook("s-1", "secondary", "s-0")
	assert.Equal(t, 1, code, "a crashed member cannot start")
	w.mustHook("s-1", "stop")
	w.mark("s-1", markerWedged)
	code, _ = w.hook("s-1", "stop")
	assert.Equal(t, 1, code, "a wedged member cannot stop")
}

// TestWritesAreSemiSynchronous checks that a write is acknowledged only when
// a secondary holds it, and that the other secondaries catch up lazily.
func TestWritesAreSemiSynchronous(t *testing.T) {
	w := newWorld(t, "s-0", "s-1", "s-2")
	w.mustHook("s-0", "seed")
	code, out := w.hook("s-0", "write", "5")
	assert.Equal(t, 1, code, "no secondary yet: %s", out)
	assert.Contains(t, out, "not acknowledged")

	w.mustHook("s-1", "secondary", "s-0.s.ns.svc")
	w.mustHook("s-2", "secondary", "s-0.s.ns.svc")
	w.mustHook("s-2", "stop") // s-2 holds 5 and stops following
	out = w.mustHook("s-0", "write", "3")
	assert.Contains(t, out, "acknowledged by s-1 at 8")
	assert.Equal(t, "8", w.mustHook("s-1", "sequence"))
	assert.Equal(t, "5", w.mustHook("s-2", "sequence"), "a stopped secondary does not catch up")

	w.mustHook("s-2", "secondary", "s-0")
	assert.Equal(t, "8", w.mustHook("s-2", "sequence"), "a secondary catches up when a hook runs")
}

// TestNoCatchUpFromAGonePrimary checks that a secondary whose primary's pod is
// gone keeps what it has: the state a failover must choose from.
func TestNoCatchUpFromAGonePrimary(t *testing.T) {
	w := newWorld(t, "s-0", "s-1", "s-2")
	w.mustHook("s-0", "seed")
	w.mustHook("s-1", "secondary", "s-0")
	w.mustHook("s-2", "secondary", "s-0")
	w.mustHook("s-0", "write", "4") // acknowledged by s-1 only
	w.removePod("s-0")
	assert.Equal(t, "4", w.mustHook("s-1", "sequence"))
	assert.Equal(t, "0", w.mustHook("s-2", "sequence"))
}

// TestUsageErrors checks that bad invocations exit 2 and say why.
func TestUsageErrors(t *testing.T) {
	w := newWorld(t, "s-0")
	for _, args := range [][]string{{}, {"bogus"}, {"write"}, {"write", "many"}} {
		code, out := w.hook("s-0", args...)
		assert.Equal(t, 2, code, "%v: %s", args, out)
		assert.NotEmpty(t, out)
	}
	var errOut bytes.Buffer
	code := run([]string{"status"}, func(string) string { return "" }, &bytes.Buffer{}, &errOut)
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut.String(), "SIM_ROOT")
}

// TestCrashMarkerAppliesToOnePod checks that a crash marker holding a pod
// UID fails that pod only, so its replacement on the same claim recovers.
func TestCrashMarkerAppliesToOnePod(t *testing.T) {
	w := newWorld(t, "s-0")
	require.NoError(t, os.WriteFile(filepath.Join(w.dir("s-0"), markerCrash), []byte("uid-s-0\n"), 0o644))
	code, _ := w.hook("s-0", "status")
	assert.Equal(t, exitFailed, code)
	env := map[string]string{"DATA_DIR": w.dir("s-0"), "POD_NAME": "s-0", "POD_NAMESPACE": "ns", "SIM_ROOT": w.root, "POD_UID": "uid-new"}
	code = run([]string{"status"}, func(k string) string { return env[k] }, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Equal(t, exitStopped, code, "a new pod on the claim is not crashed")
}

// TestANewPodStartsStopped checks that the role is the pod's, not the
// claim's: a pod made anew on a former primary's claim keeps the data and
// reports stopped until a hook starts it.
func TestANewPodStartsStopped(t *testing.T) {
	w := newWorld(t, "s-0")
	w.mustHook("s-0", "seed")
	env := map[string]string{"DATA_DIR": w.dir("s-0"), "POD_NAME": "s-0", "POD_NAMESPACE": "ns", "SIM_ROOT": w.root, "POD_UID": "uid-new"}
	var out bytes.Buffer
	code := run([]string{"status"}, func(k string) string { return env[k] }, &out, &bytes.Buffer{})
	assert.Equal(t, exitStopped, code, out.String())
}

// TestLostSecondaryAcknowledgesNothing checks that a secondary cut off with
// its node receives no write, so it never acknowledges one: the write waits
// for a secondary that is reachable.
func TestLostSecondaryAcknowledgesNothing(t *testing.T) {
	w := newWorld(t, "s-0", "s-1", "s-2")
	w.mustHook("s-0", "seed")
	w.mustHook("s-1", "secondary", "s-0")
	w.mustHook("s-2", "secondary", "s-0")
	lost := filepath.Join(w.root, "registry", "ns", "s-1") + lostSuffix
	require.NoError(t, os.WriteFile(lost, nil, 0o644))
	out := w.mustHook("s-0", "write", "2")
	assert.Contains(t, out, "acknowledged by s-2", "a lost secondary acknowledged a write")
}

// TestAFormerPrimaryRewindsWhenItFollows checks that a former primary that
// committed writes nobody received, back as a secondary of the member
// promoted after it, discards them: its sequence is then the new
// primary's, not one that ranks it above members holding writes it lacks.
func TestAFormerPrimaryRewindsWhenItFollows(t *testing.T) {
	w := newWorld(t, "s-0", "s-1", "s-2")
	w.mustHook("s-0", "seed")
	w.mustHook("s-1", "secondary", "s-0")
	w.mustHook("s-2", "secondary", "s-0")
	w.mustHook("s-0", "write", "3")
	w.mustHook("s-1", "stop")
	w.mustHook("s-2", "stop")
	code, out := w.hook("s-0", "write", "2")
	require.Equal(t, 1, code, "nobody receives: %s", out)
	w.removePod("s-0")

	w.mustHook("s-1", "primary")
	w.mustHook("s-2", "secondary", "s-1")
	w.mustHook("s-1", "write", "1")
	w.addPod("s-0", "uid-s-0-again")
	assert.Equal(t, "5", w.mustHook("s-0", "sequence"), "back, it holds its two unacknowledged commits")
	w.mustHook("s-0", "secondary", "s-1")
	assert.Equal(t, "4", w.mustHook("s-0", "sequence"), "following s-1, it holds what s-1 holds")
}
