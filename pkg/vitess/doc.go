// Package vitess runs Vitess clusters on Kubernetes: a VitessCluster renders
// its cells, keyspaces and shards and rolls their status up; a VitessCell
// runs its lockserver, vtctld and vtgate and registers itself in the
// topology; a VitessKeyspace creates itself in the topology; a VitessShard
// runs its tablets on the replication engine.
//
// Rendering and reconciling are kept apart. Rendering is pure: a function
// from a spec to the objects it asks for, with no client, lister or clock,
// so that a rendered object is the same every time and its spec hash, which
// decides whether a running pod rolls, changes only when the spec does.
//
//	render_cluster.go   VitessCluster → cells, keyspaces, shards (Render)
//	render_etcd.go      a cell's etcd: StatefulSet, Services, PDB
//	render_servers.go   a cell's vtctld and vtgate Deployments, Services
//	autoscale.go        a cell's vtgate HorizontalPodAutoscaler, and how
//	                    the cluster leaves an autoscaled count alone
//	render_tablet.go    a shard's tablet pods, claims, PDB, pool revisions
//	tablets.go          which tablets a shard asks for, and their UIDs
//	topology.go         where the global and cell topologies live
//	names.go            object names, tablet UIDs and aliases, ports
//	labels.go           labels and template metadata of children
//	flags.go            flag maps to command lines
//	images.go           which image each container runs
//	scheduling.go       anti-affinity and tolerations
//	podsecurity.go      security contexts of the Vitess pods
//
// Reconciling reads through listers, applies what was rendered and records
// status. Each kind has one file:
//
//	reconcile_cluster.go   applies children, removes stale ones, rolls up
//	reconcile_cell.go      applies etcd/vtctld/vtgate, registers the cell
//	reconcile_cell_autoscale.go  applies or deletes the vtgate autoscaler
//	reconcile_keyspace.go  creates the keyspace, sets durability, rolls up
//	reconcile_shard.go     runs a shard's pass on the replication engine
//	shard_set.go           the shard as a replication.Set
//	topo_commands.go       the vtctldclient commands that register cells
//	                       and keyspaces, and the vtctld pod they run in
//	apply.go               one applier per child kind, from one generic one
//	status.go              the status writers and condition helpers
//	dependents.go          which objects wait on a cell or a keyspace
//	deps.go                what the reconcilers share
//
// Every command run inside a Vitess pod is run by pkg/dataplane: the shard
// driver (dataplane.Vitess) and topology commands (dataplane.Vtctld); this
// package only picks the pod.
package vitess
