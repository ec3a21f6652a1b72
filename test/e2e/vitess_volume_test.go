package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// startVitessWithClaims runs an operator and the example cluster whose
// tablets' claims ask for size in class ("" for none), and returns once it
// is Ready.
func startVitessWithClaims(t *testing.T, class, size string) (context.Context, string) {
	ctx := testContext(t, 5*time.Minute)
	ns := cluster.NewNamespace(t)
	cluster.StartOperator(t, ns, "op")
	vc := readCluster(t, "example/my-vitess.yaml")
	claim := vc.Spec.Keyspaces[0].Tablets.Defaults.VolumeClaim
	claim.Resources.Requests[corev1.ResourceStorage] = resource.MustParse(size)
	if class != "" {
		claim.StorageClassName = &class
	}
	_, err := cluster.Client.VitessV1alpha1().VitessClusters(ns).Create(ctx, vc, metav1.CreateOptions{})
	require.NoError(t, err)
	waitCluster(ctx, t, ns, vc.Name, "Ready", clusterReady)
	return ctx, ns
}

// growClaims asks for size on every tablet claim of the cluster.
func growClaims(ctx context.Context, t *testing.T, ns, size string) {
	updateCluster(ctx, t, ns, "vitess", func(vc *v1alpha1.VitessCluster) {
		vc.Spec.Keyspaces[0].Tablets.Defaults.VolumeClaim.Resources.Requests[corev1.ResourceStorage] = resource.MustParse(size)
	})
}

// claimGrowthOrder records, from a watch, the order in which the claims of
// ns were asked to grow to size.
type claimGrowthOrder struct {
	mu    sync.Mutex
	order []string
}

func watchClaimGrowth(ctx context.Context, t *testing.T, ns, size string) *claimGrowthOrder {
	w, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).Watch(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	g := &claimGrowthOrder{}
	want := resource.MustParse(size)
	seen := map[string]bool{}
	go func() {
		defer w.Stop()
		for ev := range w.ResultChan() {
			c, ok := ev.Object.(*corev1.PersistentVolumeClaim)
			if !ok || ev.Type == watch.Deleted || seen[c.Name] {
				continue
			}
			if q := c.Spec.Resources.Requests[corev1.ResourceStorage]; q.Cmp(want) == 0 {
				seen[c.Name] = true
				g.mu.Lock()
				g.order = append(g.order, c.Name)
				g.mu.Unlock()
			}
		}
	}()
	return g
}

func (g *claimGrowthOrder) get() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.order...)
}

// TestVitessClaimsGrowOneAtATimePrimaryLast grows every tablet's claim from
// 1Gi to 2Gi in a storage class that allows expansion: each shard's claims
// grow one at a time, the primary's last, every claim ends with 2Gi of
// capacity, and the shards say so in their ClaimsResized condition.
func TestVitessClaimsGrowOneAtATimePrimaryLast(t *testing.T) {
	t.Parallel()
	ctx, ns := startVitessWithClaims(t, "sim-expandable", "1Gi")
	primaries := map[string]string{}
	for _, s := range shardsOf(ctx, t, ns) {
		primaries[s.Name] = "vtdataroot-" + s.Status.Members.Primary[0]
	}
	order := watchClaimGrowth(ctx, t, ns, "2Gi")
	growClaims(ctx, t, ns, "2Gi")

	for name := range primaries {
		waitShard(ctx, t, ns, name, "every claim grown", func(v *v1alpha1.VitessShard) bool {
			c := meta.FindStatusCondition(v.Status.Conditions, replication.ConditionClaimsResized)
			return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == v.Generation
		})
	}
	// The claims' capacity is the storage system's report (here the
	// simulation host's), which can trail the shard's last pass: on a
	// cluster that just started, the volume controller's status write of a
	// claim it bound moments before can arrive after the resizer's.
	var claims *corev1.PersistentVolumeClaimList
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var err error
		claims, err = cluster.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{LabelSelector: replication.LabelKind + "=VitessShard"})
		if err != nil || len(claims.Items) == 0 {
			return false, nil
		}
		for _, c := range claims.Items {
			if q := c.Status.Capacity[corev1.ResourceStorage]; q.String() != "2Gi" {
				return false, nil
			}
		}
		return true, nil
	})
	require.NoError(t, err, "not every claim reached 2Gi of capacity")
	byShard := map[string][]string{}
	for _, c := range claims.Items {
		byShard[c.Labels[replication.LabelSet]] = append(byShard[c.Labels[replication.LabelSet]], c.Name)
	}
	grown := order.get()
	t.Logf("claims asked to grow, in order: %v", grown)
	for shard, primary := range primaries {
		var mine []string
		for _, c := range grown {
			for _, own := range byShard[shard] {
				if c == own {
					mine = append(mine, c)
				}
			}
		}
		require.Len(t, mine, len(byShard[shard]), "shard %s", shard)
		assert.Equal(t, primary, mine[len(mine)-1], "shard %s: the primary's claim did not grow last: %v", shard, mine)
	}
}

// TestVitessClaimsThatCannotGrowAreReported asks for larger claims in no
// storage class, which the API server refuses to expand: every shard says
// so in its ClaimsResized condition, with the API server's reason, and the
// claims are unchanged.
func TestVitessClaimsThatCannotGrowAreReported(t *testing.T) {
	t.Parallel()
	ctx, ns := startVitessWithClaims(t, "", "1Gi")
	growClaims(ctx, t, ns, "2Gi")
	for _, shard := range shardsOf(ctx, t, ns) {
		s := waitShard(ctx, t, ns, shard.Name, "the growth refused", func(v *v1alpha1.VitessShard) bool {
			c := meta.FindStatusCondition(v.Status.Conditions, replication.ConditionClaimsResized)
			return c != nil && c.Reason == "Refused"
		})
		c := meta.FindStatusCondition(s.Status.Conditions, replication.ConditionClaimsResized)
		t.Logf("%s: %s", shard.Name, c.Message)
		assert.Contains(t, c.Message, "cannot grow to 2Gi")
		assert.Equal(t, metav1.ConditionFalse, c.Status)
	}
	claims, err := cluster.Kube.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{LabelSelector: replication.LabelKind + "=VitessShard"})
	require.NoError(t, err)
	for _, c := range claims.Items {
		q := c.Spec.Resources.Requests[corev1.ResourceStorage]
		assert.Equal(t, "1Gi", q.String(), "%s", c.Name)
	}
}
