package main

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCountOperatorWrites(t *testing.T) {
	at := func(s int) metav1.MicroTime { return metav1.NewMicroTime(time.Unix(1000+int64(s), 0)) }
	event := func(id, agent, verb, ns, resource, sub, uri string, s int) auditEvent {
		return auditEvent{AuditID: id, Verb: verb, UserAgent: agent, RequestURI: uri, RequestReceived: at(s),
			ObjectRef: &auditObject{Resource: resource, Namespace: ns, Subresource: sub}}
	}
	const op = "vitess-operator/v0 (linux/amd64)"
	events := []auditEvent{
		event("1", op, "create", "ns", "pods", "", "", 1),
		event("2", op, "update", "ns", "vitessshards", "status", "", 2),
		event("3", op, "create", "ns", "pods", "exec", "/api/v1/namespaces/ns/pods/p/exec?command=vtctldclient&command=PlannedReparentShard", 3),
		event("3", op, "create", "ns", "pods", "exec", "/api/v1/namespaces/ns/pods/p/exec?command=vtctldclient&command=PlannedReparentShard", 3),
		event("4", op, "create", "ns", "pods", "exec", "/api/v1/namespaces/ns/pods/p/exec?command=vtctldclient&command=GetTablets", 4),
		event("5", op, "delete", "ns", "persistentvolumeclaims", "", "", 5),
		event("6", "kube-controller-manager/v1", "create", "ns", "pods", "", "", 5),
		event("7", op, "create", "other", "pods", "", "", 5),
		event("8", op, "create", "ns", "pods", "", "", 20),
		event("9", op, "update", "ns", "leases", "", "", 6),
	}
	c := countOperatorWrites(events, "ns", time.Unix(1000, 0), time.Unix(1010, 0))
	assert.Equal(t, 3, c.Writes)
	assert.Equal(t, 2, c.Execs, "an exec logged at two stages is one exec")
	assert.Equal(t, 1, c.Reparents)
	assert.Equal(t, 2, c.PodOrClaimChanges)
	assert.Equal(t, 1, c.LeaseRenewals)
	assert.Equal(t, map[string]int{"create pods": 1, "update vitessshards/status": 1, "delete persistentvolumeclaims": 1}, c.ByKind)
}

func TestSeriesSumAndMinus(t *testing.T) {
	before := series{`a{kind="VitessShard"}`: 2, `a{kind="VitessCell"}`: 1, "b": 5}
	after := series{`a{kind="VitessShard"}`: 10, `a{kind="VitessCell"}`: 4, "b": 5, "ab": 100}
	d := after.minus(before)
	assert.Equal(t, 11.0, d.sum("a"))
	assert.Equal(t, 8.0, d.sum("a", `kind="VitessShard"`))
	assert.Zero(t, d.sum("b"))
	assert.Equal(t, 100.0, d.sum("ab"), "a name is matched whole, not as a prefix")
}

func TestPassCostOf(t *testing.T) {
	delta := series{
		`vitess_operator_reconcile_duration_seconds_count{kind="VitessShard"}`: 60,
		`vitess_operator_reconcile_duration_seconds_count{kind="VitessCell"}`:  60,
		`vitess_operator_reconcile_api_requests_count{kind="VitessShard"}`:     60,
		`vitess_operator_reconcile_api_requests_sum{kind="VitessShard"}`:       30,
		`vitess_operator_reconcile_execs_sum{kind="VitessShard"}`:              180,
	}
	c := passCostOf(delta, 4, 2*time.Minute)
	assert.Equal(t, 15.0, c.PerObjectMinute)
	assert.Equal(t, 0.5, c.ShardAPI)
	assert.Equal(t, 3.0, c.ShardExecs)
}

func TestReadUsage(t *testing.T) {
	u, err := readUsage(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, u.PeakRSS)
	assert.GreaterOrEqual(t, u.CPU, time.Duration(0))
}
