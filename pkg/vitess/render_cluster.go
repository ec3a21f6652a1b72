package vitess

import (
	"fmt"
	"slices"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

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
	if err := validateCluster(vc); err != nil {
		return Children{}, err
	}
	ch := Children{Shards: map[string][]*v1alpha1.VitessShard{}}
	owner := controllerRef(vc, ClusterKind)
	cells, err := renderCells(vc, owner)
	if err != nil {
		return Children{}, err
	}
	ch.Cells = cells
	global, err := Topology(vc, v1alpha1.GlobalCellName)
	if err != nil {
		return Children{}, err
	}
	for _, ks := range vc.Spec.Keyspaces {
		k, shards := renderKeyspace(vc, ks, global, owner)
		ch.Keyspaces = append(ch.Keyspaces, k)
		ch.Shards[k.Name] = append(ch.Shards[k.Name], shards...)
	}
	if err := checkNames(ch); err != nil {
		return Children{}, err
	}
	return ch, CheckUIDs(ch)
}

// renderCells renders the cluster's cells. Each knows the keyspaces it
// serves, and every cell knows all cells with tablets, which its vtgate
// watches.
func renderCells(vc *v1alpha1.VitessCluster, owner metav1.OwnerReference) ([]*v1alpha1.VitessCell, error) {
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
	var cells []*v1alpha1.VitessCell
	for _, c := range vc.Spec.Cells {
		topo, err := Topology(vc, c.Name)
		if err != nil {
			return nil, err
		}
		cells = append(cells, &v1alpha1.VitessCell{
			ObjectMeta: metav1.ObjectMeta{
				Name: CellObjectName(vc.Name, c.Name), Namespace: vc.Namespace,
				Labels:          childLabels(vc, map[string]string{LabelCell: c.Name}),
				Annotations:     templateAnnotations(vc.Spec.Template),
				OwnerReferences: []metav1.OwnerReference{owner},
			},
			Spec: v1alpha1.VitessCellSpec{
				Cluster: vc.Name, CellSpec: withAutoscaledReplicas(withDefaultAuth(vc.Name, *c.DeepCopy())), Keyspaces: cellKeyspaces[c.Name],
				TabletCells: append([]string(nil), cellsWithTablets...), Topology: topo,
				Template: vc.Spec.Template.DeepCopy(), BackupFlags: vc.Spec.BackupFlags,
				BackupLocation: resolveLocation(vc),
			},
		})
	}
	return cells, nil
}

// renderKeyspace renders one keyspace and its shards: one unsharded shard 0
// when it names none, and the default durability policy when it names none.
func renderKeyspace(vc *v1alpha1.VitessCluster, ks v1alpha1.KeyspaceSpec, global v1alpha1.TopologySpec,
	owner metav1.OwnerReference) (*v1alpha1.VitessKeyspace, []*v1alpha1.VitessShard) {
	spec := *ks.DeepCopy()
	if len(spec.Shards) == 0 {
		spec.Shards = []v1alpha1.ShardSpec{{Name: "0"}}
	}
	if spec.DurabilityPolicy == "" {
		spec.DurabilityPolicy = DefaultDurability(ks)
	}
	k := &v1alpha1.VitessKeyspace{
		ObjectMeta: metav1.ObjectMeta{
			Name: KeyspaceObjectName(vc.Name, ks.Name), Namespace: vc.Namespace,
			Labels:          childLabels(vc, map[string]string{LabelKeyspace: ks.Name}),
			Annotations:     templateAnnotations(vc.Spec.Template),
			OwnerReferences: []metav1.OwnerReference{owner},
		},
		Spec: v1alpha1.VitessKeyspaceSpec{Cluster: vc.Name, KeyspaceSpec: spec, Topology: global, BackupFlags: vc.Spec.BackupFlags},
	}
	var shards []*v1alpha1.VitessShard
	for _, s := range spec.Shards {
		shards = append(shards, renderShard(vc, spec, s, global))
	}
	return k, shards
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
			Backup:                               resolveBackup(vc, ks),
			MySQLCredentialsSecret:               mysqlCredentialsSecret(vc),
			CellZones:                            cellZones(vc, ks.Cells),
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

// cellZones are the zones of the named cells that are bound to one.
func cellZones(vc *v1alpha1.VitessCluster, cells []string) map[string]string {
	var zones map[string]string
	for _, c := range vc.Spec.Cells {
		if c.Zone == "" || !slices.Contains(cells, c.Name) {
			continue
		}
		if zones == nil {
			zones = map[string]string{}
		}
		zones[c.Name] = c.Zone
	}
	return zones
}
