package rss

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned/fake"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

func newTestSet(t *testing.T, r *v1alpha1.ReplicatedStatefulSet) *set {
	t.Helper()
	s, err := newSet(r, nil, k8s.StatusWriter[*v1alpha1.ReplicatedStatefulSet]{}, "vitess-operator")
	require.NoError(t, err)
	return s
}

func TestSpec(t *testing.T) {
	one := int32(1)
	d := func(v time.Duration) *metav1.Duration { return &metav1.Duration{Duration: v} }
	for _, tc := range []struct {
		name string
		edit func(*v1alpha1.ReplicatedStatefulSet)
		want func(*replication.Spec) // edits the spec of testRSS with defaults
	}{
		{name: "defaults", edit: func(*v1alpha1.ReplicatedStatefulSet) {}, want: func(*replication.Spec) {}},
		{name: "primaries",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Primaries = &one },
			want: func(s *replication.Spec) { s.Primaries = 1 }},
		{name: "replicas",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Replicas = 5 },
			want: func(s *replication.Spec) { s.Desired = replication.Ordinals(5); s.Primaries = 5 }},
		{name: "paused",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.Paused = true },
			want: func(s *replication.Spec) { s.Paused = true }},
		{name: "reconcile interval",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.ReconcileInterval = d(time.Minute) },
			want: func(s *replication.Spec) { s.ReconcileInterval = time.Minute }},
		{name: "zero reconcile interval is the default",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) { r.Spec.ReconcileInterval = d(0) },
			want: func(*replication.Spec) {}},
		{name: "claims deleted on scale down",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenScaled: common.RetentionDelete}
			},
			want: func(s *replication.Spec) { s.DeleteClaimsOnScaleDown = true }},
		{name: "claims deleted with the set only",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete}
			},
			want: func(*replication.Spec) {}},
		{name: "failover timeouts",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.Failover = &v1alpha1.FailoverPolicy{MemberTimeouts: common.MemberTimeouts{
					StartupTimeout: d(2 * time.Minute), UnreachableTimeout: d(90 * time.Second)}}
			},
			want: func(s *replication.Spec) { s.StartupTimeout = 2 * time.Minute; s.LostAfter = 90 * time.Second }},
		{name: "failover without timeouts keeps the defaults",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.Failover = &v1alpha1.FailoverPolicy{NodeLoss: v1alpha1.NodeLossWaitForConfirmation}
			},
			want: func(*replication.Spec) {}},
		{name: "node loss fails over",
			edit: func(r *v1alpha1.ReplicatedStatefulSet) {
				r.Spec.Failover = &v1alpha1.FailoverPolicy{NodeLoss: v1alpha1.NodeLossFailOver}
			},
			want: func(s *replication.Spec) { s.IsolatesLostPrimary = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRSS()
			tc.edit(r)
			s := newTestSet(t, r)
			rev, err := podRevision(r)
			require.NoError(t, err)
			want := replication.Spec{
				Desired:           replication.Ordinals(3),
				Primaries:         3,
				Revision:          rev,
				ReconcileInterval: replication.DefaultReconcileInterval,
				StartupTimeout:    replication.DefaultStartupTimeout,
				LostAfter:         60 * time.Second,
			}
			tc.want(&want)
			assert.Equal(t, want, s.Spec())
		})
	}
}

func TestSetRendersThroughTheRenderFunctions(t *testing.T) {
	r := testRSS()
	r.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete}
	s := newTestSet(t, r)

	var _ replication.Set = s
	assert.Equal(t, Kind, s.Kind())
	assert.Same(t, r, s.Object())
	assert.Empty(t, s.Blocked())
	assert.Equal(t, "db-4", s.PodName(4))

	pod, err := s.Pod(1)
	require.NoError(t, err)
	assert.Equal(t, renderPod(r, 1, s.revision), pod)
	assert.Equal(t, s.Spec().Revision, pod.Labels[replication.LabelRevision], "pods carry the revision the engine rolls to")
	assert.Equal(t, renderClaims(r, 1), s.Claims(1))
	assert.Equal(t, renderServices(r), s.Services())
}

func TestMember(t *testing.T) {
	r := testRSS()
	r.Spec.Pod.Containers = append(r.Spec.Pod.Containers, corev1.Container{Name: "sidecar"})
	m := newTestSet(t, r).Member(&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "db-2", Namespace: "ns"}})
	assert.Equal(t, dataplane.Member{
		Target:  dataplane.Target{Namespace: "ns", Pod: "db-2", Container: "app"},
		DNSName: "db-2.db.ns.svc",
	}, m, "hooks run in the first container; peers reach a member under the headless Service")
}

func TestKnownGoodReplicas(t *testing.T) {
	r := testRSS()
	r.Status.KnownGoodReplicas = 2
	assert.Equal(t, 2, newTestSet(t, r).KnownGoodReplicas())
}

func TestWriteStatus(t *testing.T) {
	report := replication.Report{
		Phase:              "Running",
		Conditions:         []metav1.Condition{{Type: common.ConditionDegraded, Status: metav1.ConditionFalse, Reason: "AllReady"}},
		Members:            common.Members{Primary: []string{"db-0"}, Ready: []string{"db-0", "db-1"}},
		Replicas:           2,
		ReadyReplicas:      2,
		KnownGoodReplicas:  2,
		Selector:           "a=b",
		ObservedGeneration: 3,
	}
	r := testRSS()
	client := fake.NewSimpleClientset(r)
	s, err := newSet(r, nil, replication.NewReportWriter(client.ClusterlabsV1alpha1().ReplicatedStatefulSets), "vitess-operator")
	require.NoError(t, err)

	require.NoError(t, s.WriteStatus(context.Background(), report))
	require.Len(t, client.Actions(), 1)
	assert.Equal(t, "update", client.Actions()[0].GetVerb())
	assert.Equal(t, "status", client.Actions()[0].GetSubresource())
	stored, err := client.ClusterlabsV1alpha1().ReplicatedStatefulSets("ns").Get(context.Background(), "db", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Running", stored.Status.Phase)
	assert.EqualValues(t, 3, stored.Status.ObservedGeneration)
	assert.Equal(t, report.Members, stored.Status.Members)
	assert.EqualValues(t, 2, stored.Status.KnownGoodReplicas)
	assert.Equal(t, "a=b", stored.Status.Selector)
	require.Len(t, stored.Status.Conditions, 1)
	assert.EqualValues(t, 3, stored.Status.Conditions[0].ObservedGeneration)

	// The same report on what is stored writes nothing.
	client.ClearActions()
	s, err = newSet(stored, nil, replication.NewReportWriter(client.ClusterlabsV1alpha1().ReplicatedStatefulSets), "vitess-operator")
	require.NoError(t, err)
	require.NoError(t, s.WriteStatus(context.Background(), report))
	assert.Empty(t, client.Actions())
}
