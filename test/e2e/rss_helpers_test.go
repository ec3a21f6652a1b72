package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
	"github.com/vitess-operator/vitess-operator/pkg/rss"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// rssKind is the kind of a ReplicatedStatefulSet, as its Events, its
// members' kind label and the operator's metrics name it. It is named apart
// from the package rss because rss is what the tests call a set.
const rssKind = rss.Kind

// exampleRSS reads example/cluster.yaml as a typed object.
func exampleRSS(t testing.TB) *v1alpha1.ReplicatedStatefulSet {
	t.Helper()
	rss, err := framework.ReadObject[v1alpha1.ReplicatedStatefulSet](filepath.Join(cluster.Root, "example", "cluster.yaml"))
	require.NoError(t, err)
	return rss
}

// replicatedRSS is the example with one primary, a secondary hook and a data
// claim per member, so that positions live on claims and failover matters.
func replicatedRSS(t testing.TB) *v1alpha1.ReplicatedStatefulSet {
	rss := exampleRSS(t)
	one := int32(1)
	rss.Spec.Primaries = &one
	rss.Spec.Pod.Commands.Secondary = &v1alpha1.Command{Command: []string{"tabletsim", "secondary"}}
	rss.Spec.Pod.VolumeClaimTemplates = []v1alpha1.ClaimTemplate{{
		Metadata: v1alpha1.ClaimTemplateMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}}
	return rss
}

// startReplicatedSet runs an operator in a fresh namespace and creates the
// one-primary set of replicatedRSS, returning once it runs with 3 members.
func startReplicatedSet(t *testing.T, limit time.Duration) (context.Context, string, *framework.Operator, *v1alpha1.ReplicatedStatefulSet) {
	t.Helper()
	return startEditedSet(t, limit, func(*v1alpha1.ReplicatedStatefulSet) {})
}

// startEditedSet is startReplicatedSet with edit applied to the set before
// it is created; it returns once the set runs with all its members.
func startEditedSet(t *testing.T, limit time.Duration, edit func(*v1alpha1.ReplicatedStatefulSet)) (context.Context, string, *framework.Operator, *v1alpha1.ReplicatedStatefulSet) {
	t.Helper()
	ctx := testContext(t, limit)
	ns := cluster.NewNamespace(t)
	op := cluster.StartOperator(t, ns, "op", framework.FastLeaderElection()...)
	rss := replicatedRSS(t)
	edit(rss)
	createRSS(ctx, t, ns, rss)
	n := int(rss.Spec.Replicas)
	return ctx, ns, op, waitRSS(ctx, t, ns, "example", fmt.Sprintf("%d members", n), settled(n, 1))
}

func createRSS(ctx context.Context, t testing.TB, ns string, rss *v1alpha1.ReplicatedStatefulSet) {
	t.Helper()
	_, err := cluster.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(ns).Create(ctx, rss, metav1.CreateOptions{})
	require.NoError(t, err)
}

func getRSS(ctx context.Context, t testing.TB, ns, name string) *v1alpha1.ReplicatedStatefulSet {
	t.Helper()
	rss, err := cluster.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
	require.NoError(t, err)
	return rss
}

// updateRSS applies change to the latest version of the set, retrying on conflicts.
func updateRSS(ctx context.Context, t testing.TB, ns, name string, change func(*v1alpha1.ReplicatedStatefulSet)) {
	t.Helper()
	_, err := framework.Update(ctx, cluster.Client.ClusterlabsV1alpha1().ReplicatedStatefulSets(ns), name, change)
	require.NoError(t, err)
}

// waitRSS watches the set until it has observed its generation and cond
// holds for its status.
func waitRSS(ctx context.Context, t testing.TB, ns, name, what string, cond func(*v1alpha1.ReplicatedStatefulSet) bool) *v1alpha1.ReplicatedStatefulSet {
	t.Helper()
	return framework.Await(ctx, t, cluster, ns, name, what, func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return r.Status.ObservedGeneration == r.Generation && cond(r)
	})
}

// running holds once every desired member is ready with the asked primaries.
func settled(want, primaries int) func(*v1alpha1.ReplicatedStatefulSet) bool {
	return func(r *v1alpha1.ReplicatedStatefulSet) bool {
		return r.Status.Phase == common.PhaseReady && len(r.Status.Members.Ready) == want &&
			len(r.Status.Members.Primary) == primaries && int(r.Status.Replicas) == want
	}
}

// statusByKubectl reads the members with the jsonpath command users run.
func statusByKubectl(ctx context.Context, t testing.TB, ns, name string) (primaries, ready []string) {
	t.Helper()
	out, err := cluster.Kubectl(ctx, "-n", ns, "get", "rss/"+name,
		`-o=jsonpath={"Primaries: "}{.status.members.primary}{"\n"}{"Members:   "}{.status.members.ready}{"\n"}`)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 2, out)
	parse := func(line, prefix string) []string {
		require.True(t, strings.HasPrefix(line, prefix), line)
		var names []string
		if rest := strings.TrimSpace(strings.TrimPrefix(line, prefix)); rest != "" {
			require.NoError(t, json.Unmarshal([]byte(rest), &names), line)
		}
		return names
	}
	return parse(lines[0], "Primaries: "), parse(lines[1], "Members:   ")
}

// memberPods returns the set's member pods by name.
func memberPods(ctx context.Context, t testing.TB, ns, name string) map[string]corev1.Pod {
	t.Helper()
	return setPods(ctx, t, ns, rssKind, name)
}

// setPods returns the member pods of the set of kind and name, by name.
func setPods(ctx context.Context, t testing.TB, ns, kind, name string) map[string]corev1.Pod {
	t.Helper()
	pods, err := cluster.SetPods(ctx, ns, kind, name)
	require.NoError(t, err)
	return pods
}

// execIn runs a command in a member pod and returns its trimmed output.
func execIn(ctx context.Context, ns, pod string, args ...string) (string, error) {
	out, err := cluster.Kubectl(ctx, append([]string{"-n", ns, "exec", pod, "--"}, args...)...)
	return strings.TrimSpace(out), err
}

// position reads a member's replication position with the sequence hook.
func position(ctx context.Context, t testing.TB, ns, pod string) int {
	t.Helper()
	out, err := execIn(ctx, ns, pod, "tabletsim", "sequence")
	require.NoError(t, err)
	n, err := strconv.Atoi(out)
	require.NoError(t, err, out)
	return n
}

// primaryWatch records, from a watch on the set's pods, the most pods that
// carried the primary role label at any one moment.
type primaryWatch struct {
	mu      sync.Mutex
	current map[string]bool
	most    int
	events  int
}

// watchPrimaries starts recording the primaries of a ReplicatedStatefulSet until ctx ends.
func watchPrimaries(ctx context.Context, t testing.TB, ns, name string) *primaryWatch {
	t.Helper()
	return watchSetPrimaries(ctx, t, ns, rssKind, name)
}

// watchSetPrimaries starts recording the primaries of the set of kind and name until ctx ends.
func watchSetPrimaries(ctx context.Context, t testing.TB, ns, kind, name string) *primaryWatch {
	t.Helper()
	w, err := cluster.Kube.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: framework.SetSelector(kind, name)})
	require.NoError(t, err)
	pw := &primaryWatch{current: map[string]bool{}}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			pw.mu.Lock()
			primary := ev.Type != watch.Deleted && pod.Labels[replication.LabelRole] == replication.RolePrimary
			pw.current[pod.Name] = primary
			n := 0
			for _, p := range pw.current {
				if p {
					n++
				}
			}
			pw.most = max(pw.most, n)
			pw.events++
			pw.mu.Unlock()
		}
	}()
	return pw
}

func (pw *primaryWatch) mostAtOnce() (int, int) {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.most, pw.events
}

// eventLog is the set's Events as of one moment: name to count, since the
// recorder folds repeats of one event into its count.
type eventLog map[string]int32

// setEvents reads the Events recorded on ReplicatedStatefulSets in ns.
func setEvents(ctx context.Context, t testing.TB, ns string) ([]corev1.Event, eventLog) {
	t.Helper()
	return eventsOf(ctx, t, ns, rssKind)
}

// eventsOf reads the Events recorded on objects of kind in ns.
func eventsOf(ctx context.Context, t testing.TB, ns, kind string) ([]corev1.Event, eventLog) {
	t.Helper()
	list, err := cluster.Kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	var out []corev1.Event
	log := eventLog{}
	for _, e := range list.Items {
		if e.InvolvedObject.Kind == kind {
			out = append(out, e)
			log[e.Name] = e.Count
		}
	}
	return out, log
}

// eventReasons returns "Reason: message" of the Events recorded since
// before was taken, sorted.
func eventReasons(ctx context.Context, t testing.TB, ns string, before eventLog) []string {
	t.Helper()
	events, _ := setEvents(ctx, t, ns)
	var reasons []string
	for _, e := range events {
		if n, ok := before[e.Name]; !ok || e.Count > n {
			reasons = append(reasons, fmt.Sprintf("%s: %s", e.Reason, e.Message))
		}
	}
	sort.Strings(reasons)
	return reasons
}

// watchReplacements watches the members of a set of kind and name and sends,
// once n pods have been replaced, their names in the order their deletion
// began. It fails the test if two were going at once.
func watchReplacements(ctx context.Context, t *testing.T, ns, kind, name string, n int) <-chan []string {
	t.Helper()
	w, err := cluster.Kube.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{LabelSelector: framework.SetSelector(kind, name)})
	require.NoError(t, err)
	done := make(chan []string, 1)
	go func() {
		defer w.Stop()
		var order []string
		going := map[types.UID]bool{}
		seen := map[types.UID]bool{}
		for ev := range w.ResultChan() {
			pod, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			if (pod.DeletionTimestamp != nil || ev.Type == watch.Deleted) && !seen[pod.UID] {
				assert.Empty(t, going, "%s started going while another member was", pod.Name)
				seen[pod.UID], going[pod.UID] = true, true
				order = append(order, pod.Name)
			}
			if ev.Type == watch.Deleted {
				delete(going, pod.UID)
			}
			if len(order) == n {
				break
			}
		}
		done <- order
	}()
	return done
}
