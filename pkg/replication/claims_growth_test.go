package replication

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// claimOf is a member's data claim asking for request, bound with capacity
// ("" for none), and with a pending filesystem resize when pending.
func claimOf(ordinal int, request, capacity string, pending bool) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("data-s-%d", ordinal)},
		Spec: corev1.PersistentVolumeClaimSpec{Resources: corev1.VolumeResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(request)}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}
	if capacity != "" {
		c.Status.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(capacity)}
	}
	if pending {
		c.Status.Conditions = []corev1.PersistentVolumeClaimCondition{{Type: corev1.PersistentVolumeClaimFileSystemResizePending, Status: corev1.ConditionTrue}}
	}
	return c
}

// TestClaimsGrowOneAtATimePrimaryLast proves the order and pace of claim
// growth: one claim at a time, the primary's last, none while another is
// still being expanded, and never a shrink.
func TestClaimsGrowOneAtATimePrimaryLast(t *testing.T) {
	members := func() []*Member {
		ms := []*Member{{Ordinal: 0, Name: "s-0", Pod: &PodView{Role: RolePrimary}}, {Ordinal: 1, Name: "s-1"}, {Ordinal: 2, Name: "s-2"}}
		return ms
	}
	plan := func(asked string, have ...*corev1.PersistentVolumeClaim) claimGrowth {
		byName := map[string]*corev1.PersistentVolumeClaim{}
		for _, c := range have {
			byName[c.Name] = c
		}
		return planClaimGrowth(members(), func(o int) []*corev1.PersistentVolumeClaim {
			return []*corev1.PersistentVolumeClaim{claimOf(o, asked, "", false)}
		}, func(name string) (*corev1.PersistentVolumeClaim, bool) { c, ok := byName[name]; return c, ok })
	}
	grown := func(g claimGrowth) string {
		if g.grow == nil {
			return ""
		}
		q := storage(g.grow, false)
		return g.grow.Name + "=" + q.String()
	}

	g := plan("2Gi", claimOf(0, "1Gi", "1Gi", false), claimOf(1, "1Gi", "1Gi", false), claimOf(2, "1Gi", "1Gi", false))
	assert.Equal(t, "data-s-1=2Gi", grown(g), "a secondary's claim first")
	assert.Equal(t, []string{"data-s-2", "data-s-0"}, g.waiting, "the primary's last")

	g = plan("2Gi", claimOf(0, "1Gi", "1Gi", false), claimOf(1, "2Gi", "1Gi", false), claimOf(2, "1Gi", "1Gi", false))
	assert.Equal(t, "", grown(g), "nothing more while a claim is being expanded")
	assert.Equal(t, []string{"data-s-1"}, g.resizing)

	g = plan("2Gi", claimOf(0, "1Gi", "1Gi", false), claimOf(1, "2Gi", "1Gi", true), claimOf(2, "2Gi", "2Gi", false))
	assert.Equal(t, "data-s-0=2Gi", grown(g), "a claim waiting for its filesystem does not hold the others")
	assert.Equal(t, []string{"data-s-1"}, g.pendingFS)

	g = plan("1Gi", claimOf(0, "2Gi", "2Gi", false), claimOf(1, "2Gi", "2Gi", false), claimOf(2, "2Gi", "2Gi", false))
	assert.Equal(t, "", grown(g), "claims never shrink")
	c := claimsCondition(g)
	assert.Equal(t, metav1.ConditionTrue, c.Status)

	unbound := claimOf(1, "1Gi", "", false)
	unbound.Status.Phase = corev1.ClaimPending
	g = plan("2Gi", claimOf(0, "2Gi", "2Gi", false), unbound, claimOf(2, "2Gi", "2Gi", false))
	assert.Equal(t, "", grown(g), "an unbound claim cannot be expanded")

	g = plan("2Gi", claimOf(0, "1Gi", "1Gi", false), claimOf(1, "2Gi", "2Gi", false), claimOf(2, "2Gi", "2Gi", false))
	g.refused, g.grow = "claim data-s-0 cannot grow to 2Gi: storage class does not allow expansion", nil
	c = claimsCondition(g)
	assert.Equal(t, "Refused", c.Reason)
	assert.Contains(t, c.Message, "does not allow expansion")
}
