package replication

import (
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
)

// TestLogFieldsNameTheSetAsTheWorkerDoes pins the keys of a pass's lines:
// object as the worker's (Kind/namespace/name) and kind, with the shard a
// set belongs to when it has one, so one filter finds every line of an
// object and another every line of a Vitess shard.
func TestLogFieldsNameTheSetAsTheWorkerDoes(t *testing.T) {
	set := newFakeSet(3, 1, newFakeDriver())
	object := fakeKind + "/" + fakeNS + "/" + fakeName
	assert.Equal(t, logrus.Fields{"object": object, "kind": fakeKind}, logFields(set))
	assert.Equal(t, logrus.Fields{"object": object, "kind": fakeKind, "cluster": "vt", "keyspace": "main", "shard": "-80"},
		logFields(identifiedSet{set}))
}
