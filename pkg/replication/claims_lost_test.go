package replication

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// claimSet is the fake set with one data claim a member.
type claimSet struct{ *fakeSet }

func (s claimSet) Claims(o int) []*corev1.PersistentVolumeClaim {
	return []*corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("data-%s-%d", fakeName, o), Namespace: fakeNS}}}
}

// TestClaimOfAPendingPodIsMadeAnewWhenGone proves that a pod waiting to be
// scheduled on a claim that is gone gets the claim made again, empty, and
// that no other member's claim is touched: a running pod's, or a pending
// pod's that exists.
func TestClaimOfAPendingPodIsMadeAnewWhenGone(t *testing.T) {
	h := newHarness(t, 3, 1)
	set := claimSet{h.set}
	require.NoError(t, h.claims.Add(&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-s-2", Namespace: fakeNS}}))
	members := []*Member{
		{Ordinal: 0, Name: "s-0", Pod: &PodView{Phase: corev1.PodPending}},
		{Ordinal: 1, Name: "s-1", Pod: &PodView{Phase: corev1.PodRunning}},
		{Ordinal: 2, Name: "s-2", Pod: &PodView{Phase: corev1.PodPending}},
	}
	require.NoError(t, h.engine.restoreLostClaims(context.Background(), set, members))
	list, err := h.kube.CoreV1().PersistentVolumeClaims(fakeNS).List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	var made []string
	for _, c := range list.Items {
		made = append(made, c.Name)
	}
	assert.Equal(t, []string{"data-s-0"}, made)
	assert.Equal(t, 1, countEvents(h.rec.Events, "ClaimCreated"))
}

// TestTerminatingClaimHoldsBackItsPod proves a member whose claim is on its
// way out is not given a pod until the claim is gone.
func TestTerminatingClaimHoldsBackItsPod(t *testing.T) {
	h := newHarness(t, 2, 1)
	set := claimSet{h.set}
	now := metav1.Now()
	require.NoError(t, h.claims.Add(&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-s-0", Namespace: fakeNS,
		DeletionTimestamp: &now, Finalizers: []string{"kubernetes.io/pvc-protection"}}}))
	require.NoError(t, h.claims.Add(&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-s-1", Namespace: fakeNS}}))
	assert.Equal(t, []string{"data-s-0"}, h.engine.claimsGoing(set, 0))
	assert.Empty(t, h.engine.claimsGoing(set, 1))
}

func countEvents(events chan string, reason string) int {
	n := 0
	for len(events) > 0 {
		if e := <-events; strings.Contains(e, reason) {
			n++
		}
	}
	return n
}
