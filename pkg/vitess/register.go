package vitess

import (
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Registrations plugs the four vitess.io kinds into the controller: the
// cluster, cell and keyspace reconcilers, and the shard on the replication
// engine. A cell's changes also poke the keyspaces and shards that wait for
// it, a keyspace's its shards.
func Registrations(d Deps, engine *replication.Engine) []controller.Registration {
	vt := d.Informers.Vitess.Vitess().V1alpha1()
	keyspaces, shards := vt.VitessKeyspaces(), vt.VitessShards()
	return []controller.Registration{
		{Kind: ClusterKind, Group: v1alpha1.GroupName, Informer: vt.VitessClusters().Informer(),
			Reconciler: NewClusterReconciler(d)},
		{Kind: CellKind, Group: v1alpha1.GroupName, Informer: vt.VitessCells().Informer(),
			Reconciler: NewCellReconciler(d), Dependents: cellDependents(keyspaces.Lister(), shards.Lister()),
			Concerns: registrationChanged},
		{Kind: KeyspaceKind, Group: v1alpha1.GroupName, Informer: keyspaces.Informer(),
			Reconciler: NewKeyspaceReconciler(d), Dependents: keyspaceDependents(shards.Lister()),
			Concerns: registrationChanged},
		{Kind: ShardKind, Group: v1alpha1.GroupName, Informer: shards.Informer(),
			Reconciler: NewShardReconciler(d, engine)},
	}
}
