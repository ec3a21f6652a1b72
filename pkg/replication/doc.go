// Package replication is the engine that runs a replicated set: members are
// pods with stable names and claims; some are primaries, the rest follow
// them. One pass observes the set, decides the next safe step with the pure
// function Decide, acts, and records status. ReplicatedStatefulSet and
// VitessShard both run on it through the Set interface.
package replication
