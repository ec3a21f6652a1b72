package e2e

import (
	"fmt"
	"strings"
)

// invalidCase is one manifest that admission must refuse.
type invalidCase struct {
	name   string
	base   string                   // manifest the case starts from (readBase)
	mutate func(obj map[string]any) // what makes it invalid
	field  string                   // the field the error must name
	msg    string                   // a phrase the error must contain
}

// Bases of the cases: the examples, and the children as the operator
// renders them from example/my-vitess.yaml.
const (
	baseCluster  = "my-vitess.yaml"
	baseRSS      = "cluster.yaml"
	baseShard    = "testdata/vitessshard.yaml"
	baseKeyspace = "testdata/vitesskeyspace.yaml"
	baseCell     = "testdata/vitesscell.yaml"
)

// set returns a mutation that sets the value at path.
func set(path string, v any) func(map[string]any) {
	return func(o map[string]any) { setPath(o, path, v) }
}

// all applies every mutation in turn.
func all(fs ...func(map[string]any)) func(map[string]any) {
	return func(o map[string]any) {
		for _, f := range fs {
			f(o)
		}
	}
}

// invalidCases are the cases of every kind, each family of fields covered.
func invalidCases() []invalidCase {
	var out []invalidCase
	for _, group := range [][]invalidCase{clusterCountCases(), clusterShapeCases(), clusterNameCases(), backupCases(), rssCases(), childCases()} {
		out = append(out, group...)
	}
	return out
}

// ranges is a list of ranged shards with the given bounds.
func ranges(bounds ...[2]string) []any {
	var shards []any
	for _, b := range bounds {
		shards = append(shards, map[string]any{"keyRange": map[string]any{"start": b[0], "end": b[1]}})
	}
	return shards
}

// named is a list of n named shards, s0 to s<n-1>.
func named(n int) []any {
	var shards []any
	for i := range n {
		shards = append(shards, map[string]any{"name": fmt.Sprintf("s%d", i)})
	}
	return shards
}

// keyspaces makes n keyspaces k0.. of the cluster, each with shards shards
// of one master-eligible tablet in zone1.
func keyspaces(n, shards int) []any {
	var out []any
	for i := range n {
		out = append(out, map[string]any{"name": fmt.Sprintf("k%d", i), "cells": []any{"zone1"}, "shards": named(shards),
			"tablets": map[string]any{"masterEligible": map[string]any{"replicas": 1}}})
	}
	return out
}

// clusterCountCases are counts and sizes of a VitessCluster.
func clusterCountCases() []invalidCase {
	me := "spec.keyspaces[0].tablets.masterEligible.replicas"
	return []invalidCase{
		{"negative tablet replicas", baseCluster, set(me, -1), me, "greater than or equal to 0"},
		{"negative vtgate replicas", baseCluster, set("spec.cells[1].vtgate.replicas", -2),
			"spec.cells[1].vtgate.replicas", "greater than or equal to 0"},
		{"vtgate autoscaler with minReplicas above maxReplicas", baseCluster,
			set("spec.cells[1].vtgate.autoscaler", map[string]any{"minReplicas": 4, "maxReplicas": 3}),
			"spec.cells[1].vtgate.autoscaler.minReplicas", "must not exceed autoscaler.maxReplicas"},
		{"vtgate autoscaler with minReplicas 0", baseCluster,
			set("spec.cells[1].vtgate.autoscaler", map[string]any{"minReplicas": 0, "maxReplicas": 3}),
			"spec.cells[1].vtgate.autoscaler.minReplicas", "greater than or equal to 1"},
		{"vtgate autoscaler without maxReplicas", baseCluster,
			set("spec.cells[1].vtgate.autoscaler", map[string]any{"minReplicas": 2}),
			"spec.cells[1].vtgate.autoscaler.maxReplicas", "Required value"},
		{"etcd with no members", baseCluster, set("spec.cells[0].etcd.size", 0),
			"spec.cells[0].etcd.size", "greater than or equal to 1"},
		{"etcd with eleven members", baseCluster, set("spec.cells[0].etcd.size", 11),
			"spec.cells[0].etcd.size", "less than or equal to 9"},
		{"keyspace without master-eligible tablets", baseCluster, set(me, 0), me, "must be at least 1"},
		{"a sidecar named as a tablet container", baseCluster,
			set("spec.keyspaces[0].tablets.defaults.sidecars", []any{map[string]any{"name": "mysqld", "image": "x:1"}}),
			"spec.keyspaces[0].tablets.defaults.sidecars", "cannot be named vttablet or mysqld"},
		{"two sidecars of one name", baseCluster,
			set("spec.keyspaces[0].tablets.defaults.sidecars", []any{map[string]any{"name": "a", "image": "x:1"}, map[string]any{"name": "a", "image": "y:1"}}),
			"spec.keyspaces[0].tablets.defaults.sidecars[1]", "Duplicate value"},
		{"a credentials Secret that is no object name", baseCluster, set("spec.mysql.credentialsSecret", "Not_A_Name"),
			"spec.mysql.credentialsSecret", "should match"},
		{"a tablet grace period too short for mysqld to stop", baseCluster,
			set("spec.keyspaces[0].tablets.defaults.terminationGracePeriodSeconds", 5),
			"spec.keyspaces[0].tablets.defaults.terminationGracePeriodSeconds", "greater than or equal to 10"},
		{"keyspace without a tablets section", baseCluster, func(o map[string]any) { deletePath(o, "spec.keyspaces[0].tablets") },
			me, "must be at least 1"},
		{"more than 64 tablets a shard", baseCluster, all(
			func(o map[string]any) {
				setPath(o, "spec.cells", append(getPath(o, "spec.cells").([]any), map[string]any{"name": "zone2"}))
			},
			set("spec.keyspaces[0].cells", []any{"zone1", "zone2"}), set(me, 32)),
			"spec.keyspaces[0].tablets", "at most 64 tablets a shard"},
		{"more than 256 shards", baseCluster, set("spec.keyspaces", keyspaces(5, 64)),
			"spec.keyspaces", "at most 256 shards"},
		{"more than 1024 tablets", baseCluster, all(set("spec.keyspaces[0].shards", named(64)), set(me, 16)),
			"spec.keyspaces", "at most 1024 tablets"},
		{"semi_sync with two master-eligible tablets", baseCluster, set("spec.keyspaces[0].durabilityPolicy", "semi_sync"),
			"spec.keyspaces[0].durabilityPolicy", "at least three master-eligible tablets"},
	}
}

// clusterShapeCases are key ranges, cells, policies and durations.
func clusterShapeCases() []invalidCase {
	shards := "spec.keyspaces[0].shards"
	return []invalidCase{
		{"upper-case hex bound", baseCluster, set(shards+"[1].keyRange.start", "8A"), shards + "[1].keyRange.start", "should match"},
		{"odd-length hex bound", baseCluster, set(shards+"[0].keyRange.end", "8"), shards + "[0].keyRange.end", "should match"},
		{"start not below end", baseCluster, set(shards, ranges([2]string{"", "40"}, [2]string{"80", "40"}, [2]string{"40", ""})),
			shards + "[1].keyRange", "keyRange.start must be less than keyRange.end"},
		{"gap between shards", baseCluster, set(shards, ranges([2]string{"", "40"}, [2]string{"80", ""})), shards, "neither overlap nor leave gaps"},
		{"overlapping shards", baseCluster, set(shards, ranges([2]string{"", "80"}, [2]string{"40", ""})), shards, "neither overlap nor leave gaps"},
		{"two shards at the beginning", baseCluster, set(shards, ranges([2]string{"", "80"}, [2]string{"", "80"}, [2]string{"80", ""})),
			shards, "exactly one shard's keyRange must start at the beginning"},
		{"named and ranged shards mixed", baseCluster, set(shards, []any{map[string]any{"name": "0"}, map[string]any{"keyRange": map[string]any{"start": "", "end": ""}}}),
			shards, "either all key ranges or all named"},
		{"shard with name and key range", baseCluster, set(shards, []any{map[string]any{"name": "x", "keyRange": map[string]any{"start": "", "end": ""}}}),
			shards + "[0]", "either keyRange or name"},
		{"named shard with a dash, read by Vitess as a key range", baseCluster, set(shards, []any{map[string]any{"name": "ab-cd"}}),
			shards + "[0].name", "should match"},
		{"keyspace in an unknown cell", baseCluster, set("spec.keyspaces[0].cells", []any{"zone9"}), "spec.keyspaces", "must be a cell in spec.cells"},
		{"tablets in the global cell", baseCluster, set("spec.keyspaces[0].cells", []any{"global"}),
			"spec.keyspaces[0].cells[0]", "tablets do not run in the global cell"},
		{"no global cell", baseCluster, set("spec.cells[0].name", "zone0"), "spec.cells", "exactly one cell named global"},
		{"two cells of one name", baseCluster, func(o map[string]any) {
			setPath(o, "spec.cells", append(getPath(o, "spec.cells").([]any), map[string]any{"name": "zone1"}))
		}, "spec.cells[2]", "Duplicate value"},
		{"etcd and external lockserver together", baseCluster,
			set("spec.cells[1].lockserver", map[string]any{"external": map[string]any{"address": "etcd:2379", "rootPath": "/vitess/zone1"}}),
			"spec.cells[1]", "either etcd or lockserver"},
		{"lockserver root not a path", baseCluster, all(func(o map[string]any) { deletePath(o, "spec.cells[1].etcd") },
			set("spec.cells[1].lockserver", map[string]any{"external": map[string]any{"address": "etcd:2379", "rootPath": "vitess"}})),
			"spec.cells[1].lockserver.external.rootPath", "should match"},
		{"reconcileInterval not a duration", baseCluster, set("spec.reconcileInterval", "soon"), "spec.reconcileInterval", "should match"},
		{"reconcileInterval too short", baseCluster, set("spec.reconcileInterval", "100ms"), "spec.reconcileInterval", "between 1s and 24h"},
		{"reconcileInterval too long", baseCluster, set("spec.reconcileInterval", "48h"), "spec.reconcileInterval", "between 1s and 24h"},
		{"unknown failover mode", baseCluster, set("spec.failover.mode", "Sometimes"), "spec.failover.mode", "Unsupported value"},
		{"startupTimeout too short", baseCluster, set("spec.failover.startupTimeout", "1s"), "spec.failover.startupTimeout", "between 10s and 24h"},
		{"unknown update strategy", baseCluster, set("spec.updateStrategy.type", "Sometimes"), "spec.updateStrategy.type", "Unsupported value"},
		{"unknown claim retention", baseCluster, set("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "Maybe"),
			"spec.persistentVolumeClaimRetentionPolicy.whenDeleted", "Unsupported value"},
		{"misspelt field", baseCluster, set("spec.cells[1].vtgatee", map[string]any{"replicas": 1}), "spec.cells[1].vtgatee", "unknown field"},
	}
}

// clusterNameCases are names and flags of a VitessCluster, which become
// object names and command lines.
func clusterNameCases() []invalidCase {
	return []invalidCase{
		{"cell name not a DNS label", baseCluster, set("spec.cells[1].name", "Zone_1"), "spec.cells[1].name", "should match"},
		{"keyspace read as a flag", baseCluster, set("spec.keyspaces[0].name", "--x"), "spec.keyspaces[0].name", "should match"},
		{"cluster name too long", baseCluster, set("metadata.name", "a-very-long-cluster-name-indeed"), "metadata.name", "at most 24 characters"},
		{"cluster name with a dot", baseCluster, set("metadata.name", "my.vitess"), "metadata.name", "no dots"},
		{"cluster and cell names over 42 characters, etcd and tablet pods would not fit", baseCluster, all(
			set("metadata.name", strings.Repeat("v", 24)), set("spec.cells[1].name", strings.Repeat("z", 19)),
			set("spec.keyspaces[0].cells", []any{strings.Repeat("z", 19)})),
			"spec.cells", "must not exceed 42 characters"},
		{"vtgate flag with leading dashes", baseCluster, set("spec.cells[1].vtgate.flags", map[string]any{"--x": "1"}),
			"spec.cells[1].vtgate.flags", "without leading dashes"},
		{"tablet flag with leading dashes", baseCluster, set("spec.keyspaces[0].tablets.masterEligible.vttablet.flags", map[string]any{"-x": "1"}),
			"spec.keyspaces[0].tablets.masterEligible.vttablet.flags", "without leading dashes"},
		{"backup flag with leading dashes", baseCluster, set("spec.backupFlags", map[string]any{"-x": "y"}),
			"spec.backupFlags", "without leading dashes"},
	}
}

// rssCases are the fields of a ReplicatedStatefulSet.
func rssCases() []invalidCase {
	cmds := "spec.pod.commands"
	return []invalidCase{
		{"missing status command", baseRSS, func(o map[string]any) { deletePath(o, cmds+".status") }, cmds + ".status", "Required value"},
		{"empty sequence command", baseRSS, set(cmds+".sequence.command", []any{}), cmds + ".sequence.command", "at least 1 items"},
		{"empty word in stop command", baseRSS, set(cmds+".stop.command", []any{""}), cmds + ".stop.command[0]", "at least 1 chars"},
		{"command timeout not a duration", baseRSS, set(cmds+".status.timeout", "a minute"), cmds + ".status.timeout", "should match"},
		{"hook timeout of 10ms", baseRSS, set(cmds+".status.timeout", "10ms"), cmds + ".status.timeout", "between 1s and 1h"},
		{"hook timeout of 1000h", baseRSS, set(cmds+".sequence.timeout", "1000h"), cmds + ".sequence.timeout", "between 1s and 1h"},
		{"more primaries than replicas", baseRSS, set("spec.primaries", 4), "spec.primaries", "must not exceed spec.replicas"},
		{"no primaries", baseRSS, set("spec.primaries", 0), "spec.primaries", "greater than or equal to 1"},
		{"negative replicas", baseRSS, set("spec.replicas", -1), "spec.replicas", "greater than or equal to 0"},
		{"too many replicas", baseRSS, set("spec.replicas", 1001), "spec.replicas", "less than or equal to 1000"},
		{"no containers", baseRSS, set("spec.pod.containers", []any{}), "spec.pod.containers", "at least 1 items"},
		{"set reconcileInterval of 1ns", baseRSS, set("spec.reconcileInterval", "1ns"), "spec.reconcileInterval", "between 1s and 24h"},
		{"set name over 59 characters", baseRSS, set("metadata.name", strings.Repeat("s", 60)), "metadata.name", "at most 59 characters"},
		{"set name with a dot", baseRSS, set("metadata.name", "db.main"), "metadata.name", "no dots"},
		{"client Service named as the headless one", baseRSS, set("spec.service.name", "invalid"), "spec.service.name", "must differ from metadata.name"},
		{"unknown session affinity", baseRSS, set("spec.service.sessionAffinity", "Sticky"), "spec.service.sessionAffinity", "Unsupported value"},
		{"the operator's ServiceAccount", baseRSS, set("spec.pod.serviceAccountName", "vitess-operator"),
			"spec.pod.serviceAccountName", "must not be vitess-operator"},
		{"claim template named as a volume", baseRSS, all(
			set("spec.pod.volumes", []any{map[string]any{"name": "data", "emptyDir": map[string]any{}}}),
			set("spec.pod.volumeClaimTemplates", []any{map[string]any{"metadata": map[string]any{"name": "data"},
				"spec": map[string]any{"accessModes": []any{"ReadWriteOnce"}, "resources": map[string]any{"requests": map[string]any{"storage": "1Gi"}}}}})),
			"spec.pod.volumeClaimTemplates", "must be unique and differ from the names of volumes"},
		{"unknown node-loss policy", baseRSS, set("spec.failover.nodeLoss", "Maybe"), "spec.failover.nodeLoss", "Unsupported value"},
		{"unreachableTimeout of 2h", baseRSS, set("spec.failover.unreachableTimeout", "2h"), "spec.failover.unreachableTimeout", "between 5s and 1h"},
	}
}

// childCases are the rules of the cluster that VitessShard, VitessKeyspace
// and VitessCell hold too, since a user can write them.
func childCases() []invalidCase {
	return []invalidCase{
		{"shard keyspace read as a flag", baseShard, set("spec.keyspace", "--x"), "spec.keyspace", "should match"},
		{"shard reconcileInterval of 1ns", baseShard, set("spec.reconcileInterval", "1ns"), "spec.reconcileInterval", "between 1s and 24h"},
		{"named shard with a dash", baseShard, all(func(o map[string]any) { deletePath(o, "spec.keyRange") }, set("spec.name", "ab-cd")),
			"spec.name", "hold no dash"},
		{"shard name not its key range", baseShard, set("spec.name", "80-"), "spec.name", "must be keyRange.start-keyRange.end"},
		{"shard scaled to no master-eligible tablet", baseShard, set("spec.tablets.masterEligible.replicas", 0),
			"spec.tablets.masterEligible.replicas", "must be at least 1"},
		{"shard cluster with a dot", baseShard, set("spec.cluster", "my.vitess"), "spec.cluster", "should match"},
		{"shard tablets in the global cell", baseShard, set("spec.cells", []any{"global"}), "spec.cells[0]", "tablets do not run in the global cell"},
		{"shard cluster and cell over 42 characters", baseShard, all(set("spec.cluster", strings.Repeat("v", 24)),
			set("spec.cells", []any{strings.Repeat("z", 19)})), "spec.cells", "must not exceed 42 characters"},
		{"shard backup flag with leading dashes", baseShard, set("spec.backupFlags", map[string]any{"--x": "y"}), "spec.backupFlags", "without leading dashes"},
		{"keyspace object named as a flag", baseKeyspace, set("spec.name", "--x"), "spec.name", "should match"},
		{"keyspace object of a cluster with a dot", baseKeyspace, set("spec.cluster", "a.b"), "spec.cluster", "should match"},
		{"keyspace object without master-eligible tablets", baseKeyspace, set("spec.tablets.masterEligible.replicas", 0),
			"spec.tablets.masterEligible.replicas", "must be at least 1"},
		{"cell object with a vtgate autoscaler whose minReplicas exceeds maxReplicas", baseCell,
			set("spec.vtgate.autoscaler", map[string]any{"minReplicas": 6, "maxReplicas": 5}),
			"spec.vtgate.autoscaler.minReplicas", "must not exceed autoscaler.maxReplicas"},
		{"cell object named as a flag", baseCell, set("spec.name", "-zone1"), "spec.name", "should match"},
		{"cell object with cluster and name over 42 characters", baseCell, all(set("spec.cluster", strings.Repeat("v", 24)),
			set("spec.name", strings.Repeat("z", 19))), "spec.name", "must not exceed 42 characters"},
		{"cell object serving a keyspace named as a flag", baseCell, set("spec.keyspaces", []any{"--x"}), "spec.keyspaces[0]", "should match"},
	}
}

// backupCases are the backup configuration of a VitessCluster: where
// backups go, which one a new cluster restores, and how many are kept.
func backupCases() []invalidCase {
	volume := map[string]any{"claimName": "backups"}
	s3 := map[string]any{"bucket": "vitess-backups"}
	withLocation := func(loc map[string]any) func(map[string]any) {
		return set("spec.backup", map[string]any{"location": loc})
	}
	return []invalidCase{
		{"backup location with a volume and a bucket", baseCluster, withLocation(map[string]any{"volume": volume, "s3": s3}),
			"spec.backup.location", "exactly one of volume and s3"},
		{"backup location with neither", baseCluster, withLocation(map[string]any{"path": "x"}),
			"spec.backup.location", "exactly one of volume and s3"},
		{"backup volume with a claim name and a claim", baseCluster,
			withLocation(map[string]any{"volume": map[string]any{"claimName": "b", "claim": map[string]any{}}}),
			"spec.backup.location.volume", "exactly one of claimName and claim"},
		{"backup path climbing out", baseCluster, withLocation(map[string]any{"path": "../other", "volume": volume}),
			"spec.backup.location.path", "should match"},
		{"S3 endpoint not a URL", baseCluster, withLocation(map[string]any{"s3": map[string]any{"bucket": "b-1", "endpoint": "minio:9000"}}),
			"spec.backup.location.s3.endpoint", "should match"},
		{"restore time not a backup time", baseCluster, all(withLocation(map[string]any{"volume": volume}),
			set("spec.backup.restoreBackupTime", "2026-12-06T03:00:00Z")), "spec.backup.restoreBackupTime", "should match"},
		{"retention of none", baseCluster, all(withLocation(map[string]any{"volume": volume}), set("spec.backup.retention", 0)),
			"spec.backup.retention", "should be greater than or equal to 1"},
		{"unknown backup engine", baseCluster, all(withLocation(map[string]any{"volume": volume}), set("spec.backup.engine", "mysqldump")),
			"spec.backup.engine", "Unsupported value"},
	}
}
