package vitess

import (
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// Labels on every object the operator makes for a cluster.
const (
	LabelCluster   = "vitess.io/cluster"
	LabelCell      = "vitess.io/cell"
	LabelKeyspace  = "vitess.io/keyspace"
	LabelShard     = "vitess.io/shard"
	LabelPool      = "vitess.io/pool"
	LabelComponent = "vitess.io/component"
)

// flagArgs renders flag maps as --name=value arguments, sorted so the pod
// template, and so its revision, is the same every time. Later maps win, so
// the user's flags override the operator's.
func flagArgs(maps ...map[string]string) []string {
	merged := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			merged[k] = v
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, 0, len(keys))
	for _, k := range keys {
		args = append(args, fmt.Sprintf("--%s=%s", k, merged[k]))
	}
	return args
}

// childLabels are the labels of a cluster's child objects: the template's
// labels, then the operator's, which win.
func childLabels(vc *v1alpha1.VitessCluster, extra map[string]string) map[string]string {
	extra[LabelCluster] = vc.Name
	return templateLabels(vc.Spec.Template, extra)
}

// templateLabels returns the template's labels with the operator's on top.
func templateLabels(t *v1alpha1.ChildTemplate, operator map[string]string) map[string]string {
	l := map[string]string{}
	if t != nil {
		for k, v := range t.Metadata.Labels {
			l[k] = v
		}
	}
	for k, v := range operator {
		l[k] = v
	}
	return l
}

// templateAnnotations returns a copy of the template's annotations, or nil.
func templateAnnotations(t *v1alpha1.ChildTemplate) map[string]string {
	if t == nil || len(t.Metadata.Annotations) == 0 {
		return nil
	}
	a := make(map[string]string, len(t.Metadata.Annotations))
	for k, v := range t.Metadata.Annotations {
		a[k] = v
	}
	return a
}

// podMeta is the metadata of a pod template: the cluster template's labels
// and annotations, with the operator's labels on top.
func podMeta(t *v1alpha1.ChildTemplate, labels map[string]string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Labels: templateLabels(t, labels), Annotations: templateAnnotations(t)}
}

// Children are the objects a VitessCluster renders.
type Children struct {
	Cells     []*v1alpha1.VitessCell
	Keyspaces []*v1alpha1.VitessKeyspace
	// Shards maps a keyspace's object name to its shards; they are owned by
	// the keyspace, so they can be made only once it exists.
	Shards map[string][]*v1alpha1.VitessShard
}

// Render returns the cells, keyspaces and shards of a cluster. It fails on a
// cluster the schema lets through but the operator cannot run, saying why.
func Render(vc *v1alpha1.VitessCluster) (Children, error) {
	ch := Children{Shards: map[string][]*v1alpha1.VitessShard{}}
	owner := k8s.ControllerRef(vc, v1alpha1.SchemeGroupVersion.WithKind("VitessCluster"))
	tabletCells := map[string]bool{}
	cellKeyspaces := map[string][]string{}
	for _, ks := range vc.Spec.Keyspaces {
		for _, c := range ks.Cells {
			tabletCells[c] = true
			cellKeyspaces[c] = append(cellKeyspaces[c], ks.Name)
		}
	}
	var cellsWithTablets []string
	for c := range tabletCells {
		cellsWithTablets = append(cellsWithTablets, c)
	}
	sort.Strings(cellsWithTablets)
	for _, c := range vc.Spec.Cells {
		topo, err := Topology(vc, c.Name)
		if err != nil {
			return Children{}, err
		}
		ch.Cells = append(ch.Cells, &v1alpha1.VitessCell{
			ObjectMeta: metav1.ObjectMeta{
				Name: CellObjectName(vc.Name, c.Name), Namespace: vc.Namespace,
				Labels:          childLabels(vc, map[string]string{LabelCell: c.Name}),
				Annotations:     templateAnnotations(vc.Spec.Template),
				OwnerReferences: []metav1.OwnerReference{owner},
			},
			Spec: v1alpha1.VitessCellSpec{
				Cluster: vc.Name, CellSpec: *c.DeepCopy(), Keyspaces: cellKeyspaces[c.Name],
				TabletCells: append([]string(nil), cellsWithTablets...), Topology: topo,
				Template: vc.Spec.Template.DeepCopy(), BackupFlags: vc.Spec.BackupFlags,
			},
		})
	}
	global, err := Topology(vc, v1alpha1.GlobalCellName)
	if err != nil {
		return Children{}, err
	}
	for _, ks := range vc.Spec.Keyspaces {
		spec := *ks.DeepCopy()
		if len(spec.Shards) == 0 {
			spec.Shards = []v1alpha1.ShardSpec{{Name: "0"}}
		}
		if spec.DurabilityPolicy == "" {
			spec.DurabilityPolicy = DefaultDurability(ks)
		}
		name := KeyspaceObjectName(vc.Name, ks.Name)
		ch.Keyspaces = append(ch.Keyspaces, &v1alpha1.VitessKeyspace{
			ObjectMeta: metav1.ObjectMeta{
				Name: name, Namespace: vc.Namespace,
				Labels:          childLabels(vc, map[string]string{LabelKeyspace: ks.Name}),
				Annotations:     templateAnnotations(vc.Spec.Template),
				OwnerReferences: []metav1.OwnerReference{owner},
			},
			Spec: v1alpha1.VitessKeyspaceSpec{Cluster: vc.Name, KeyspaceSpec: spec, Topology: global, BackupFlags: vc.Spec.BackupFlags},
		})
		for _, s := range spec.Shards {
			ch.Shards[name] = append(ch.Shards[name], renderShard(vc, spec, s, global))
		}
	}
	if err := checkNames(ch); err != nil {
		return Children{}, err
	}
	return ch, CheckUIDs(ch)
}

// checkNames fails when two shards of the cluster would share an object
// name: keyspace a's shard 80-c0 and keyspace a-80's shard c0 both make
// <cluster>-a-80-c0.
func checkNames(ch Children) error {
	seen := map[string]string{}
	for _, shards := range ch.Shards {
		for _, s := range shards {
			who := s.Spec.Keyspace + "/" + s.Spec.Name
			if other, ok := seen[s.Name]; ok {
				return fmt.Errorf("shards %s and %s would both be VitessShard %s; rename one keyspace", other, who, s.Name)
			}
			seen[s.Name] = who
		}
	}
	return nil
}

// renderShard is one shard of a keyspace, spanning the keyspace's cells. Its
// owner reference to the keyspace is added when the keyspace exists.
func renderShard(vc *v1alpha1.VitessCluster, ks v1alpha1.KeyspaceSpec, s v1alpha1.ShardSpec, topo v1alpha1.TopologySpec) *v1alpha1.VitessShard {
	shard := ShardName(s)
	return &v1alpha1.VitessShard{
		ObjectMeta: metav1.ObjectMeta{
			Name: ShardObjectName(vc.Name, ks.Name, shard), Namespace: vc.Namespace,
			Labels:      childLabels(vc, map[string]string{LabelKeyspace: ks.Name, LabelShard: shardLabel(shard)}),
			Annotations: templateAnnotations(vc.Spec.Template),
		},
		Spec: v1alpha1.VitessShardSpec{
			Cluster:                              vc.Name,
			Keyspace:                             ks.Name,
			Name:                                 shard,
			KeyRange:                             s.KeyRange.DeepCopy(),
			Cells:                                append([]string(nil), ks.Cells...),
			Tablets:                              *ks.Tablets.DeepCopy(),
			Topology:                             topo,
			Template:                             vc.Spec.Template.DeepCopy(),
			BackupFlags:                          vc.Spec.BackupFlags,
			ReconcileInterval:                    vc.Spec.ReconcileInterval.DeepCopy(),
			Paused:                               vc.Spec.Paused,
			Failover:                             vc.Spec.Failover.DeepCopy(),
			UpdateStrategy:                       vc.Spec.UpdateStrategy.DeepCopy(),
			PersistentVolumeClaimRetentionPolicy: vc.Spec.PersistentVolumeClaimRetentionPolicy.DeepCopy(),
		},
	}
}

// CheckUIDs fails when two tablets of the cluster would share an alias.
func CheckUIDs(ch Children) error {
	seen := map[string]string{}
	for _, shards := range ch.Shards {
		for _, s := range shards {
			for _, t := range Tablets(s) {
				alias := TabletAlias(t.Cell, t.UID)
				who := fmt.Sprintf("%s/%s %s %s[%d]", s.Spec.Keyspace, s.Spec.Name, t.Cell, t.Pool, t.Index)
				if other, ok := seen[alias]; ok {
					return fmt.Errorf("tablets %s and %s would share the alias %s; rename one keyspace or shard", other, who, alias)
				}
				seen[alias] = who
			}
		}
	}
	return nil
}

// Tablet is one tablet a shard asks for.
type Tablet struct {
	Cell  string
	Pool  string
	Index int
	UID   uint32
}

// Tablets lists the tablets a shard asks for: in every cell, the
// master-eligible pool and then the batch pool.
func Tablets(s *v1alpha1.VitessShard) []Tablet {
	var out []Tablet
	pools := []struct {
		name string
		pool *v1alpha1.TabletPool
	}{{PoolMasterEligible, s.Spec.Tablets.MasterEligible}, {PoolBatch, s.Spec.Tablets.Batch}}
	for _, cell := range s.Spec.Cells {
		for _, p := range pools {
			if p.pool == nil {
				continue
			}
			for i := 0; i < int(p.pool.Replicas); i++ {
				out = append(out, Tablet{Cell: cell, Pool: p.name, Index: i,
					UID: TabletUID(cell, s.Spec.Keyspace, s.Spec.Name, p.name, i)})
			}
		}
	}
	return out
}

// DefaultDurability is the durability policy of a keyspace that names none:
// semi_sync when it has at least three master-eligible tablets over its
// cells, so that every acknowledged write is on two tablets and survives a
// failover; none otherwise. With two, the replica promoted after a loss
// would have nobody to acknowledge its writes, which Vitess's
// EmergencyReparentShard refuses ("will not be able to make forward
// progress"), and a semi-sync primary with nobody to acknowledge blocks
// every write.
func DefaultDurability(ks v1alpha1.KeyspaceSpec) string {
	if me := ks.Tablets.MasterEligible; me != nil && int(me.Replicas)*len(ks.Cells) >= 3 {
		return v1alpha1.DurabilitySemiSync
	}
	return v1alpha1.DurabilityNone
}
