package k8s

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
)

// podStatusWriter is a StatusWriter of pods whose Update records the pods
// it is given and returns err.
func podStatusWriter(writes *[]*corev1.Pod, err error) StatusWriter[*corev1.Pod] {
	return StatusWriter[*corev1.Pod]{
		Status: func(p *corev1.Pod) any { return &p.Status },
		Update: func(_ context.Context, p *corev1.Pod) (*corev1.Pod, error) {
			*writes = append(*writes, p)
			return p, err
		},
	}
}

func testPod() *corev1.Pod {
	start := metav1.NewTime(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning, StartTime: &start},
	}
}

func TestStatusWriterWrite(t *testing.T) {
	elsewhere := time.FixedZone("UTC+2", 2*60*60)
	for _, tc := range []struct {
		name      string
		compute   func(p *corev1.Pod)
		wantWrite bool
	}{
		{name: "nothing changes", compute: func(*corev1.Pod) {}},
		{name: "the same value again", compute: func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }},
		{name: "semantically equal: the same instant elsewhere", compute: func(p *corev1.Pod) {
			t := metav1.NewTime(p.Status.StartTime.In(elsewhere))
			p.Status.StartTime = &t
		}},
		{name: "outside the status", compute: func(p *corev1.Pod) { p.Labels = map[string]string{"a": "b"} }},
		{name: "phase", wantWrite: true, compute: func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }},
		{name: "a condition", wantWrite: true, compute: func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var writes []*corev1.Pod
			current := testPod()
			before := current.DeepCopy()
			wrote, err := podStatusWriter(&writes, nil).Write(context.Background(), current, tc.compute)
			require.NoError(t, err)
			assert.Equal(t, tc.wantWrite, wrote)
			assert.Equal(t, before, current, "the lister's copy is never modified")
			if !tc.wantWrite {
				assert.Empty(t, writes)
				return
			}
			require.Len(t, writes, 1)
			want := testPod()
			tc.compute(want)
			assert.Equal(t, want, writes[0], "the computed copy is written")
			assert.NotSame(t, current, writes[0])
		})
	}
}

func TestStatusWriterConflict(t *testing.T) {
	var writes []*corev1.Pod
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, "p", errors.New("stale"))
	wrote, err := podStatusWriter(&writes, conflict).Write(context.Background(), testPod(),
		func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed })
	assert.False(t, wrote)
	require.Error(t, err)
	assert.Len(t, writes, 1, "one write, no retry")
	assert.True(t, apierrors.IsConflict(err), "the worker must still see a conflict")
	assert.ErrorIs(t, err, conflict)
	assert.Contains(t, err.Error(), "writing status of p: ")
}

func TestSetObjectStatus(t *testing.T) {
	earlier := metav1.NewTime(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	stored := func() common.ObjectStatus {
		return common.ObjectStatus{ObservedGeneration: 1, Phase: "Pending", Conditions: []metav1.Condition{
			{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Starting", LastTransitionTime: earlier, ObservedGeneration: 1},
			{Type: "Other", Status: metav1.ConditionTrue, Reason: "Kept", LastTransitionTime: earlier, ObservedGeneration: 1},
		}}
	}
	for _, tc := range []struct {
		name        string
		cond        metav1.Condition
		keepsTime   bool
		wantReason  string
		wantMessage string
	}{
		{name: "status stays, reason changes: the transition time stays", keepsTime: true,
			cond:       metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "StillStarting", Message: "m"},
			wantReason: "StillStarting", wantMessage: "m"},
		{name: "the message is sanitized", keepsTime: true,
			cond:       metav1.Condition{Type: "Ready", Status: metav1.ConditionFalse, Reason: "Failed", Message: "hook said\npassword=hunter2"},
			wantReason: "Failed", wantMessage: "hook said password=[redacted]"},
		{name: "status changes: a new transition time",
			cond:       metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Running"},
			wantReason: "Running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := stored()
			SetObjectStatus(&st, 2, "Running", tc.cond)

			assert.EqualValues(t, 2, st.ObservedGeneration)
			assert.Equal(t, "Running", st.Phase)
			require.Len(t, st.Conditions, 2)
			ready := meta.FindStatusCondition(st.Conditions, "Ready")
			require.NotNil(t, ready)
			assert.Equal(t, tc.cond.Status, ready.Status)
			assert.Equal(t, tc.wantReason, ready.Reason)
			assert.Equal(t, tc.wantMessage, ready.Message)
			assert.EqualValues(t, 2, ready.ObservedGeneration, "conditions carry the generation they were computed for")
			if tc.keepsTime {
				assert.Equal(t, earlier, ready.LastTransitionTime)
			} else {
				assert.True(t, ready.LastTransitionTime.After(earlier.Time), "set to now")
			}
			other := meta.FindStatusCondition(st.Conditions, "Other")
			require.NotNil(t, other)
			assert.Equal(t, stored().Conditions[1], *other, "a condition not passed is left alone")
		})
	}
}

func TestSetObjectStatusAddsConditions(t *testing.T) {
	var st common.ObjectStatus
	SetObjectStatus(&st, 5, "Pending",
		metav1.Condition{Type: "A", Status: metav1.ConditionTrue, Reason: "R"},
		metav1.Condition{Type: "B", Status: metav1.ConditionFalse, Reason: "R"})
	assert.EqualValues(t, 5, st.ObservedGeneration)
	assert.Equal(t, "Pending", st.Phase)
	require.Len(t, st.Conditions, 2)
	for _, c := range st.Conditions {
		assert.EqualValues(t, 5, c.ObservedGeneration)
		assert.False(t, c.LastTransitionTime.IsZero())
	}
}

// TestStatusWriterStartsFromItsOwnLastWrite proves a pass that reads the
// object from an informer that has not yet seen the writer's last write
// writes from that write's result (its resource version), not from the old
// copy, so it does not conflict; and that once the informer caught up, or
// someone else wrote, the informer's copy is used again.
func TestStatusWriterStartsFromItsOwnLastWrite(t *testing.T) {
	stored := testPod()
	stored.ResourceVersion, stored.UID = "1", "uid-1"
	version := 1
	var bases []string
	update := func(_ context.Context, p *corev1.Pod) (*corev1.Pod, error) {
		if p.ResourceVersion != stored.ResourceVersion {
			return nil, apierrors.NewConflict(schema.GroupResource{Resource: "pods"}, p.Name, errors.New("stale"))
		}
		bases = append(bases, p.ResourceVersion)
		version++
		stored = p.DeepCopy()
		stored.ResourceVersion = fmt.Sprint(version)
		return stored.DeepCopy(), nil
	}
	w := NewStatusWriter(func(string) podUpdater { return podUpdater(update) }, func(p *corev1.Pod) any { return &p.Status })
	stale := stored.DeepCopy() // what the informer still holds

	_, err := w.Write(context.Background(), stale, func(p *corev1.Pod) { p.Status.Message = "first" })
	require.NoError(t, err)
	wrote, err := w.Write(context.Background(), stale, func(p *corev1.Pod) { p.Status.Message = "second" })
	require.NoError(t, err, "the informer's copy predates the last write; the writer starts from that write")
	assert.True(t, wrote)
	assert.Equal(t, []string{"1", "2"}, bases)

	wrote, err = w.Write(context.Background(), stale, func(p *corev1.Pod) { p.Status.Message = "second" })
	require.NoError(t, err)
	assert.False(t, wrote, "nothing changed since the writer's own last write")

	caughtUp := stored.DeepCopy()
	_, err = w.Write(context.Background(), caughtUp, func(p *corev1.Pod) { p.Status.Message = "third" })
	require.NoError(t, err)
	assert.Equal(t, "3", bases[len(bases)-1], "the informer caught up: its copy is the base")

	other := caughtUp.DeepCopy()
	other.ResourceVersion = "99" // someone else wrote; the writer cannot know better
	_, err = w.Write(context.Background(), other, func(p *corev1.Pod) { p.Status.Message = "fourth" })
	assert.True(t, apierrors.IsConflict(err), "%v", err)
}

// podUpdater adapts a function to the typed client NewStatusWriter takes.
type podUpdater func(context.Context, *corev1.Pod) (*corev1.Pod, error)

func (f podUpdater) UpdateStatus(ctx context.Context, p *corev1.Pod, _ metav1.UpdateOptions) (*corev1.Pod, error) {
	return f(ctx, p)
}
