package scenarios

import (
	"context"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// Substrate is one Vitess shard the scenarios drive: a keyspace with one
// shard, a vtctld and a few tablets, each tablet standing in for one tablet
// pod of the operator (containers "vttablet" and "mysqld").
type Substrate interface {
	// Name is "real" or "sim", for test names and messages.
	Name() string
	// Executor runs the driver's command lines as kubectl exec would run them
	// in a tablet pod: Target.Pod is the tablet's alias, Target.Container is
	// dataplane.VttabletContainer or dataplane.MysqldContainer. Paths under
	// /vt/vtdataroot are the tablet's data directory. An exec into a tablet
	// made unreachable by SetReachable fails with an error, as an exec through
	// an unreachable kubelet does, and so does an exec into a tablet whose
	// processes were killed or stopped (its container is not running); a
	// command that ran and failed is a Result with its exit code.
	Executor() dataplane.Executor
	// Server is the vtctld address the driver is given.
	Server() string
	// Keyspace and Shard name the shard.
	Keyspace() string
	Shard() string
	// Tablets lists the aliases (cell-uid, uid zero-padded to 10 digits) of the
	// shard's tablets: Config.Replicas replicas first, then Config.Rdonly
	// rdonly tablets.
	Tablets() []string
	// Member is the driver's view of a tablet, as pkg/vitess builds it.
	Member(alias string) dataplane.Member

	// StartTablet starts a tablet's processes (mysqlctld and vttablet, or the
	// simulator's equivalent) on its existing data, as a pod made anew on the
	// tablet's claim would; it returns once they are launched, not once they
	// serve.
	StartTablet(ctx context.Context, alias string) error
	// WaitServing returns once the tablet's vttablet answers and its mysqld
	// accepts queries.
	WaitServing(ctx context.Context, alias string) error
	// KillTablet kills every process of a tablet with SIGKILL; its data stays.
	KillTablet(ctx context.Context, alias string) error
	// StopTablet stops a tablet's processes as a pod deletion does (SIGTERM,
	// then SIGKILL after a grace period); its data stays.
	StopTablet(ctx context.Context, alias string) error
	// SetReachable cuts a tablet off (false) or brings it back (true): while
	// cut off its processes stop answering anyone, and exec into it fails.
	SetReachable(ctx context.Context, alias string, reachable bool) error

	// Write commits n rows on the tablet's mysqld, one transaction each, and
	// returns how many commits were acknowledged before an error (a primary
	// under semi-sync acknowledges a commit only once a replica has it).
	Write(ctx context.Context, alias string, n int) (acked int, err error)
	// Rows counts the rows Write committed that the tablet's mysqld holds.
	Rows(ctx context.Context, alias string) (int, error)
	// Writable reads, from the tablet's mysqld itself, whether it accepts
	// writes (read_only off).
	Writable(ctx context.Context, alias string) (bool, error)

	// Close stops every process and removes what the substrate made.
	Close()
}

// Config is the shape of the shard a substrate brings up.
type Config struct {
	// Cell is the cell of every tablet.
	Cell string
	// Keyspace and Shard name the shard ("0" when unsharded).
	Keyspace string
	Shard    string
	// Replicas is how many replica tablets the shard has; Rdonly how many
	// rdonly ones.
	Replicas int
	Rdonly   int
	// Durability is the keyspace's durability policy ("none", "semi_sync").
	Durability string
	// Backup, when set, is the cluster's spec.backup: the tablets and vtctld
	// are rendered with its store's flags, and a tablet that starts empty
	// restores the latest backup. Only the real substrate honours it; the
	// simulator's tablets take no flags from it.
	Backup *v1alpha1.BackupSpec
	// MyCnf is the master-eligible pool's my.cnf fragment; only the real
	// substrate's mysqld reads it.
	MyCnf string
}
