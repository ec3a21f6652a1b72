package vitess

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// recordingExec records the commands it is asked to run and succeeds.
type recordingExec struct{ targets []dataplane.Target }

func (e *recordingExec) Exec(_ context.Context, t dataplane.Target, _ []string) (dataplane.Result, error) {
	e.targets = append(e.targets, t)
	return dataplane.Result{}, nil
}

// podLister serves pods from memory.
func podLister(t *testing.T, pods ...*corev1.Pod) corelisters.PodLister {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, p := range pods {
		require.NoError(t, idx.Add(p))
	}
	return corelisters.NewPodLister(idx)
}

// vtctldPodNamed is a vtctld pod of cluster vitess in phase.
func vtctldPodNamed(name string, phase corev1.PodPhase, deleting bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS, Labels: vtctldLabels("vitess")},
		Status: corev1.PodStatus{Phase: phase}}
	if deleting {
		p.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	}
	return p
}

// TestTopoCommandsPickARunningVtctld proves topology commands run in the
// first running vtctld pod of the cluster by name, never in one that is
// pending or being deleted, and wait while none runs.
func TestTopoCommandsPickARunningVtctld(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pods    []*corev1.Pod
		wantPod string
	}{
		{"none", nil, ""},
		{"pending only", []*corev1.Pod{vtctldPodNamed("a", corev1.PodPending, false)}, ""},
		{"first running by name", []*corev1.Pod{vtctldPodNamed("c", corev1.PodRunning, false),
			vtctldPodNamed("b", corev1.PodRunning, false), vtctldPodNamed("a", corev1.PodPending, false)}, "b"},
		{"not a deleted one", []*corev1.Pod{vtctldPodNamed("a", corev1.PodRunning, true),
			vtctldPodNamed("b", corev1.PodRunning, false)}, "b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &recordingExec{}
			err := topoCommands{exec: e, pods: podLister(t, tc.pods...)}.run(t.Context(), testNS, "vitess", "AddCellInfo", "zone1")
			if tc.wantPod == "" {
				require.ErrorIs(t, err, errNoVtctld)
				assert.Empty(t, e.targets)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []dataplane.Target{{Namespace: testNS, Pod: tc.wantPod, Container: "vtctld"}}, e.targets)
		})
	}
}
