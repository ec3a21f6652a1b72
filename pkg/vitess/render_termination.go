package vitess

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// defaultTabletGracePeriod is a tablet pod's termination grace period, in
// seconds, unless the spec sets one: half for the primary's hold, half for
// mysqld's clean shutdown (InnoDB flushes its buffer pool).
const defaultTabletGracePeriod int64 = 120

// tabletGracePeriod is the termination grace period of a shard's tablet pods.
func tabletGracePeriod(s *v1alpha1.VitessShard) int64 {
	if d := s.Spec.Tablets.Defaults; d != nil && d.TerminationGracePeriodSeconds != nil {
		return *d.TerminationGracePeriodSeconds
	}
	return defaultTabletGracePeriod
}

// customGracePeriod is the grace period the spec sets, nil when it sets none;
// it is part of the pools' template, so changing it rolls the tablets, and
// leaving it unset changes no revision.
func customGracePeriod(s *v1alpha1.VitessShard) *int64 {
	if d := s.Spec.Tablets.Defaults; d != nil {
		return d.TerminationGracePeriodSeconds
	}
	return nil
}

// holdWhileWritable is the preStop hook of both of a tablet's containers.
// While the tablet's mysqld answers writable (read_only off: the shard's
// primary) it waits, for up to half the grace period, so that the operator
// moves the primary role away with a planned reparent before vttablet and
// mysqld are stopped (replication's handOverGoingPrimary): a node drain
// evicts pods, and an eviction is a graceful deletion. vttablet must stay up
// too, since the reparent demotes the old primary through it. A replica, a
// demoted primary, or a mysqld that does not answer returns at once. It
// reads writability from mysqld itself, through its socket, as the fence
// does; vitess/lite holds sh and the mysql client.
func holdWhileWritable(t Tablet, grace int64) *corev1.Lifecycle {
	return &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Exec: &corev1.ExecAction{Command: HoldWhileWritableCommand(t.UID, grace/2)}}}
}

// HoldWhileWritableCommand is the command line of the preStop hook of the
// tablet with uid: it returns once the tablet's mysqld is read-only or does
// not answer, or after seconds.
func HoldWhileWritableCommand(uid uint32, seconds int64) []string {
	readOnly := dataplane.ShellCommand(dataplane.MysqlArgs(fmt.Sprintf("%010d", uid), "SELECT @@global.read_only"))
	script := fmt.Sprintf(`end=$(( $(date +%%s) + %d )); `+
		`while [ "$(%s 2>/dev/null)" = 0 ] && [ "$(date +%%s)" -lt "$end" ]; do sleep 1; done`, seconds, readOnly)
	return []string{"sh", "-c", script}
}
