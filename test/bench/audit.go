package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// operatorAgent is the user agent the operator sets on its requests
// (cmd/vitess-operator restConfig).
const operatorAgent = "vitess-operator"

// auditDir is where the local cluster's API server writes its audit log
// (hack/local-up.sh, hack/local/audit-policy.yaml), under the repository
// root.
var auditDir = filepath.Join("_output", "kwok", "clusters", "vitess-operator", "logs")

// auditEvent is the part of an audit.k8s.io/v1 Event the benchmark reads.
type auditEvent struct {
	AuditID    string       `json:"auditID"`
	Verb       string       `json:"verb"`
	UserAgent  string       `json:"userAgent"`
	RequestURI string       `json:"requestURI"`
	ObjectRef  *auditObject `json:"objectRef"`
	// RequestReceived is when the API server received the request.
	RequestReceived metav1.MicroTime `json:"requestReceivedTimestamp"`
}

// auditObject is the object an audit event is about.
type auditObject struct {
	Resource    string `json:"resource"`
	Namespace   string `json:"namespace"`
	Name        string `json:"name"`
	Subresource string `json:"subresource"`
}

// auditCounts are the operator's writes and execs in one namespace over an
// interval, as the API server logged them.
type auditCounts struct {
	// Writes are the requests that changed an object, execs and Lease
	// renewals apart.
	Writes int
	// LeaseRenewals are the updates of the leader-election Lease, which a
	// leader makes every retry period whatever it manages.
	LeaseRenewals int
	// ByKind counts the writes by "verb resource[/subresource]".
	ByKind map[string]int
	// Execs are the commands run in pods.
	Execs int
	// Reparents are the execs that reparent a shard: InitShardPrimary,
	// PlannedReparentShard or EmergencyReparentShard.
	Reparents int
	// PodOrClaimChanges are creations and deletions of pods and claims.
	PodOrClaimChanges int
	// LastWrite is when the last of Writes was received.
	LastWrite time.Time
}

// auditedOperatorWrites counts what the API server logged of the
// operator's writes in ns received from from until to. The API server
// writes its log in batches, so it first writes a marker of its own after
// to and waits until the marker is in the log.
func (b *bench) auditedOperatorWrites(ctx context.Context, ns string, from, to time.Time) (auditCounts, error) {
	// The name is the bench's own: the audit log names no object created
	// with generateName.
	marker, err := b.cluster.Kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bench-audit-marker-%d", time.Now().UnixNano())}}, metav1.CreateOptions{})
	if err != nil {
		return auditCounts{}, fmt.Errorf("writing the audit marker: %w", err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		events, err := readAudit(filepath.Join(b.cluster.Root, auditDir))
		if err != nil {
			return auditCounts{}, err
		}
		for _, e := range events {
			if e.ObjectRef != nil && e.ObjectRef.Namespace == ns && e.ObjectRef.Name == marker.Name {
				return countOperatorWrites(events, ns, from, to), nil
			}
		}
		if time.Now().After(deadline) {
			return auditCounts{}, fmt.Errorf("the audit log did not show marker %s/%s within a minute", ns, marker.Name)
		}
		if err := pause(ctx, 500*time.Millisecond); err != nil {
			return auditCounts{}, err
		}
	}
}

// readAudit reads every event of the audit log files in dir, rotated ones
// included.
func readAudit(dir string) ([]auditEvent, error) {
	files, err := filepath.Glob(filepath.Join(dir, "audit*.log"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no audit log in %s (is the cluster from hack/local-up.sh?): %v", dir, err)
	}
	var out []auditEvent
	for _, path := range files {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var e auditEvent
			if json.Unmarshal(sc.Bytes(), &e) == nil {
				out = append(out, e)
			}
		}
		err = sc.Err()
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	return out, nil
}

// countOperatorWrites counts the events of the operator in ns received in
// [from, to], each request once (a long-running exec is logged at two
// stages).
func countOperatorWrites(events []auditEvent, ns string, from, to time.Time) auditCounts {
	c := auditCounts{ByKind: map[string]int{}}
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.AuditID] || e.ObjectRef == nil || e.ObjectRef.Namespace != ns ||
			!strings.HasPrefix(e.UserAgent, operatorAgent) ||
			e.RequestReceived.Time.Before(from) || e.RequestReceived.Time.After(to) {
			continue
		}
		seen[e.AuditID] = true
		resource := e.ObjectRef.Resource
		if e.ObjectRef.Subresource != "" {
			resource += "/" + e.ObjectRef.Subresource
		}
		if e.ObjectRef.Subresource == "exec" {
			c.Execs++
			if isReparent(e.RequestURI) {
				c.Reparents++
			}
			continue
		}
		if resource == "leases" {
			c.LeaseRenewals++
			continue
		}
		c.Writes++
		c.ByKind[e.Verb+" "+resource]++
		if e.RequestReceived.After(c.LastWrite) {
			c.LastWrite = e.RequestReceived.Time
		}
		if (resource == "pods" || resource == "persistentvolumeclaims") && (e.Verb == "create" || e.Verb == "delete") {
			c.PodOrClaimChanges++
		}
	}
	return c
}

// isReparent says whether an exec's request URI runs a vtctldclient
// command that reparents a shard.
func isReparent(uri string) bool {
	for _, cmd := range []string{"InitShardPrimary", "PlannedReparentShard", "EmergencyReparentShard"} {
		if strings.Contains(uri, "command="+cmd) {
			return true
		}
	}
	return false
}
