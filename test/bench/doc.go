// Command bench measures the operator on the local control plane, with the
// tablet simulator, next to what Kubernetes' own StatefulSet controller does
// for the same pods and claims (doc/benchmarks.md). hack/bench.sh runs it;
// `make bench` is the full run, and a reduced run is part of `make test` so
// the tool keeps working.
//
// Bring-up: a VitessCluster of one cell and K keyspaces with N shards in all,
// three master-eligible tablets each, from apply until Ready; then, in the
// same cluster, N StatefulSets of three replicas each (Parallel, one claim
// template) until every one is Ready. It prints a table, writes
// results.csv and draws bringup.svg, bring-up time against shard count for
// both.
package main
