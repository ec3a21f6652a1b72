package vitess

import (
	"fmt"
	"hash/fnv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// Kinds of the vitess.io objects, as owner references name them and as
// they register with the controller (register.go).
const (
	// ClusterKind is the kind of a VitessCluster.
	ClusterKind = "VitessCluster"
	// CellKind is the kind of a VitessCell.
	CellKind = "VitessCell"
	// KeyspaceKind is the kind of a VitessKeyspace.
	KeyspaceKind = "VitessKeyspace"
	// ShardKind is the kind of a VitessShard, and the kind label value of
	// its members (replication.LabelKind).
	ShardKind = "VitessShard"
)

// controllerRef makes obj, a vitess.io object of kind, the controller of
// what carries the reference.
func controllerRef(obj metav1.Object, kind string) metav1.OwnerReference {
	return k8s.ControllerRef(obj, v1alpha1.SchemeGroupVersion.WithKind(kind))
}

// ShardName is the Vitess name of a shard: its key range as start-end, or
// its own name when it has none.
func ShardName(s v1alpha1.ShardSpec) string {
	if s.KeyRange != nil {
		return s.KeyRange.Start + "-" + s.KeyRange.End
	}
	return s.Name
}

// shardObjectSuffix makes a shard name fit a Kubernetes name: a name cannot
// start or end with "-", so an open end is written "x", as the Metacontroller
// example did (-80 becomes x-80).
func shardObjectSuffix(shard string) string {
	start, end, ranged := strings.Cut(shard, "-")
	if !ranged {
		return shard
	}
	if start == "" {
		start = "x"
	}
	if end == "" {
		end = "x"
	}
	return start + "-" + end
}

// shardLabel is the shard's value of the vitess.io/shard label.
func shardLabel(shard string) string { return k8s.LabelValue(shardObjectSuffix(shard)) }

// CellObjectName is the name of a cluster's VitessCell.
func CellObjectName(cluster, cell string) string { return cluster + "-" + cell }

// KeyspaceObjectName is the name of a cluster's VitessKeyspace.
func KeyspaceObjectName(cluster, keyspace string) string { return cluster + "-" + keyspace }

// ShardObjectName is the name of a VitessShard.
func ShardObjectName(cluster, keyspace, shard string) string {
	return cluster + "-" + keyspace + "-" + shardObjectSuffix(shard)
}

// maxPoolIndex bounds the tablets of one pool in one cell; the API allows 32.
const maxPoolIndex = 100

// TabletUID is the tablet UID of one tablet: deterministic for (cell,
// keyspace, shard, pool, index), so a tablet keeps its alias, its pod name
// and its claim across operator restarts and spec edits. A hash of the first
// four, times 100, plus the index. Vitess needs UIDs unique within a cell;
// CheckUIDs reports the rare hash collision instead of running two tablets
// under one alias.
func TabletUID(cell, keyspace, shard, pool string, index int) uint32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%s/%s/%s", cell, keyspace, shard, pool)
	const buckets = (1<<32 - 1) / maxPoolIndex
	return (h.Sum32()%buckets)*maxPoolIndex + uint32(index)
}

// TabletAlias is a tablet's alias, as Vitess writes it.
func TabletAlias(cell string, uid uint32) string { return fmt.Sprintf("%s-%010d", cell, uid) }

// TabletPodName is the name of a tablet's pod.
func TabletPodName(cluster, cell string, uid uint32) string {
	return fmt.Sprintf("%s-vttablet-%s-%010d", cluster, cell, uid)
}

// GlobalRoot and CellRoot are where a cluster's topology lives in its lockservers.
func GlobalRoot(cluster string) string { return "/vitess/" + cluster + "/global" }

// CellRoot is the root of a cell's topology.
func CellRoot(cluster, cell string) string { return "/vitess/" + cluster + "/" + cell }

// EtcdName is the name of a cell's etcd StatefulSet and of its peer Service.
func EtcdName(cluster, cell string) string { return cluster + "-etcd-" + cell }

// EtcdClientService is the Service clients reach a cell's etcd through.
func EtcdClientService(cluster, cell string) string { return EtcdName(cluster, cell) + "-client" }

// VtctldName is the name of a cell's vtctld Deployment.
func VtctldName(cluster, cell string) string { return cluster + "-" + cell + "-vtctld" }

// VtctldService is the Service of every vtctld of a cluster.
func VtctldService(cluster string) string { return cluster + "-vtctld" }

// VtgateName is the name of a cell's vtgate Deployment and Service.
func VtgateName(cluster, cell string) string { return cluster + "-" + cell + "-vtgate" }

// Ports of the Vitess servers.
const (
	WebPort   = 15000
	GRPCPort  = 15999
	MySQLPort = 3306
	EtcdPort  = 2379
	EtcdPeer  = 2380
)

// VtctldAddress is the gRPC address vtctldclient reaches a cluster's vtctlds at.
func VtctldAddress(cluster, namespace string) string {
	return fmt.Sprintf("%s.%s.svc:%d", VtctldService(cluster), namespace, GRPCPort)
}
