package vitess

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// fuzzCluster builds a cluster of one global cell and one tablet cell, and
// one keyspace with shard, a key range start-end when ranged, else a name.
func fuzzCluster(name, cell, keyspace, shard, start, end string, ranged bool, me, batch uint8) *v1alpha1.VitessCluster {
	s := v1alpha1.ShardSpec{Name: shard}
	if ranged {
		s = v1alpha1.ShardSpec{KeyRange: &v1alpha1.KeyRange{Start: start, End: end}}
	}
	return &v1alpha1.VitessCluster{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: testNS, UID: "uid"},
		Spec: v1alpha1.VitessClusterSpec{
			Cells: []v1alpha1.CellSpec{{Name: v1alpha1.GlobalCellName, Etcd: &v1alpha1.EtcdSpec{Size: 1}, Vtctld: &v1alpha1.ComponentSpec{}},
				{Name: cell, Etcd: &v1alpha1.EtcdSpec{Size: 1}, Vtgate: &v1alpha1.VtgateSpec{}}},
			Keyspaces: []v1alpha1.KeyspaceSpec{{Name: keyspace, Cells: []string{cell}, Shards: []v1alpha1.ShardSpec{s},
				Tablets: v1alpha1.TabletsSpec{MasterEligible: &v1alpha1.TabletPool{Replicas: int32(me % 40)},
					Batch: &v1alpha1.TabletPool{Replicas: int32(batch % 40)}}}},
		},
	}
}

// checker fails the fuzz run on a name or label Kubernetes would refuse.
type checker struct{ t *testing.T }

func (c checker) ok(what, v string, errs []string) {
	if len(errs) > 0 {
		c.t.Fatalf("%s %q, derived from an accepted spec, is refused: %s", what, v, strings.Join(errs, "; "))
	}
}

func (c checker) meta(kind string, m metav1.ObjectMeta, nameCheck func(string) []string) {
	c.ok(kind+" name", m.Name, nameCheck(m.Name))
	for k, v := range m.Labels {
		c.ok(kind+" label key", k, validation.IsQualifiedName(k))
		c.ok(kind+" label "+k, v, validation.IsValidLabelValue(v))
	}
}

// FuzzValidateCluster holds the Go validation of a cluster (validate.go,
// which mirrors the schema's rules) to its purpose: whatever names, shard
// and pool sizes a cluster has, if the operator accepts it then every object
// it derives has a name and labels the API server takes (Services are
// DNS-1035 labels, pods DNS labels, an etcd StatefulSet leaves room for its
// revision label), and every shard it renders passes the shard's own check.
func FuzzValidateCluster(f *testing.F) {
	f.Add("vitess", "zone1", "main", "0", "", "80", true, uint8(2), uint8(1))
	f.Add("vitess", "zone1", "main", "0", "", "", false, uint8(3), uint8(0))
	f.Add(strings.Repeat("v", 24), strings.Repeat("z", 18), strings.Repeat("k", 32), "", "80", "", true, uint8(32), uint8(32))
	f.Add("1vitess", "zone1", "main", "a-b", "", "", false, uint8(1), uint8(0))
	f.Add("my.vitess", "-zone1", "--x", "0", "8", "", true, uint8(0), uint8(0))
	f.Fuzz(func(t *testing.T, name, cell, keyspace, shard, start, end string, ranged bool, me, batch uint8) {
		vc := fuzzCluster(name, cell, keyspace, shard, start, end, ranged, me, batch)
		ch, err := Render(vc)
		if err != nil {
			return
		}
		c := checker{t}
		owner := controllerRef(vc, ClusterKind)
		c.meta("vtctld Service", RenderVtctldService(vc, owner).ObjectMeta, validation.IsDNS1035Label)
		for _, cell := range ch.Cells {
			c.meta("VitessCell", cell.ObjectMeta, validation.IsDNS1123Subdomain)
			etcd := RenderEtcd(cell, owner)
			c.meta("etcd StatefulSet", etcd.StatefulSet.ObjectMeta, validation.IsDNS1123Label)
			if n := len(etcd.StatefulSet.Name); n > 52 {
				t.Fatalf("etcd StatefulSet %q has %d characters: its pods' revision label would pass 63", etcd.StatefulSet.Name, n)
			}
			c.meta("etcd Service", etcd.Peers.ObjectMeta, validation.IsDNS1035Label)
			c.meta("etcd client Service", etcd.Client.ObjectMeta, validation.IsDNS1035Label)
			if cell.Spec.Vtctld != nil {
				c.meta("vtctld Deployment", RenderVtctld(cell, owner).ObjectMeta, validation.IsDNS1123Label)
			}
			if cell.Spec.Vtgate != nil {
				d, svc := RenderVtgate(cell, owner)
				c.meta("vtgate Deployment", d.ObjectMeta, validation.IsDNS1123Label)
				c.meta("vtgate Service", svc.ObjectMeta, validation.IsDNS1035Label)
			}
		}
		for _, ks := range ch.Keyspaces {
			c.meta("VitessKeyspace", ks.ObjectMeta, validation.IsDNS1123Subdomain)
			for _, s := range ch.Shards[ks.Name] {
				checkShard(t, c, s)
			}
		}
	})
}

// checkShard checks what a rendered shard derives: it passes its own check,
// and its pods, claims and PDB have names and labels the API server takes.
func checkShard(t *testing.T, c checker, s *v1alpha1.VitessShard) {
	s.UID = "shard-uid"
	if why := ValidateShard(s); why != "" {
		t.Fatalf("shard %s of an accepted cluster is refused: %s", s.Name, why)
	}
	c.meta("VitessShard", s.ObjectMeta, validation.IsDNS1123Subdomain)
	c.meta("PodDisruptionBudget", shardPDB(s, controllerRef(s, ShardKind)).ObjectMeta, validation.IsDNS1123Subdomain)
	pods, err := TabletPods(s)
	if err != nil {
		t.Fatalf("rendering the tablets of %s: %v", s.Name, err)
	}
	for _, p := range pods {
		c.meta("tablet pod", p.ObjectMeta, validation.IsDNS1123Label)
		c.ok("tablet claim", tabletClaimName(p.Name), validation.IsDNS1123Subdomain(tabletClaimName(p.Name)))
	}
}
