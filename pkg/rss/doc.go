// Package rss runs ReplicatedStatefulSets on the replication engine: it
// renders a set's member pods, claims and services from its spec, drives its
// members with the user's hook commands, and maps the engine's report onto
// the set's status.
//
// The package has the shape of every kind that runs on the engine: set.go
// adapts one object to replication.Set (spec mapping, members, status),
// render.go holds the pure functions that render its Kubernetes objects, and
// reconcile.go the reconciler that runs its passes.
package rss
