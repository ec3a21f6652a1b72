package controller

// The kinds these tests register, named and grouped as the operator's own
// kinds are, so owner references read as they do in a cluster.
const (
	KindVitessCluster         Kind = "VitessCluster"
	KindVitessCell            Kind = "VitessCell"
	KindVitessKeyspace        Kind = "VitessKeyspace"
	KindVitessShard           Kind = "VitessShard"
	KindReplicatedStatefulSet Kind = "ReplicatedStatefulSet"
)

// testGroups are the test kinds with their API groups.
func testGroups() groups {
	return groups{
		KindVitessCluster:         "vitess.io",
		KindVitessCell:            "vitess.io",
		KindVitessKeyspace:        "vitess.io",
		KindVitessShard:           "vitess.io",
		KindReplicatedStatefulSet: "clusterlabs.org",
	}
}

// allTestKinds lists the test kinds.
func allTestKinds() []Kind {
	var out []Kind
	for k := range testGroups() {
		out = append(out, k)
	}
	return out
}
