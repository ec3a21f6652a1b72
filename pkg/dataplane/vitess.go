package dataplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Containers of a tablet pod the Vitess driver runs commands in.
const (
	// VttabletContainer runs vtctldclient, which ships in the Vitess image.
	VttabletContainer = "vttablet"
	// MysqldContainer runs the mysql client, which ships with MySQL.
	MysqldContainer = "mysqld"
)

// Where a tablet keeps its data and who may administer its mysqld. The
// operator renders a tablet's pod with these (pkg/vitess) and the driver
// reaches mysqld through them, so they are written once, here.
const (
	// VtDataRoot is the tablet's data root, its data claim's mount point:
	// mysqlctld puts each mysqld's socket and data under vt_<uid>/ there.
	VtDataRoot = "/vt/vtdataroot"
	// DBAUser is the MySQL user mysqlctld creates for administration.
	DBAUser = "vt_dba"
)

// VitessTimeouts bound the Vitess driver's commands. Each vtctldclient call
// carries its own --action-timeout, and the exec around it is given a
// little more, so that vtctldclient ends a call itself and reports why
// rather than being cut off mid-reparent.
type VitessTimeouts struct {
	// Probe bounds one status call (GetFullStatus, GetTablets). vtctld waits
	// for a tablet that does not listen until the call's deadline, so this
	// is also how long a pass spends on a tablet that is down.
	Probe time.Duration
	// WaitReplicas is the reparents' --wait-replicas-timeout: how long a
	// reparent waits for replicas to catch up.
	WaitReplicas time.Duration
	// Command bounds the other single-tablet commands.
	Command time.Duration
}

// DefaultVitessTimeouts are the timeouts the operator uses: the reparent
// wait is Vitess's own default.
func DefaultVitessTimeouts() VitessTimeouts {
	return VitessTimeouts{Probe: 5 * time.Second, WaitReplicas: 15 * time.Second, Command: 30 * time.Second}
}

// reparent is the --action-timeout of a reparent: vtctld spends up to its
// remote-operation timeout (15 s) stopping replication and promoting, and
// up to WaitReplicas on each of relay-log apply, catch-up and re-pointing.
func (t VitessTimeouts) reparent() time.Duration { return 3*t.WaitReplicas + 2*15*time.Second }

// execSlack is how much longer an exec is allowed than the command's own
// timeout.
const execSlack = 10 * time.Second

// Vitess drives the tablets of one shard: their states and positions come
// from the tablets through vtctld (GetFullStatus), reparents and
// replication changes go through vtctld, and a primary is fenced through
// its own mysqld.
type Vitess struct {
	exec     Executor
	server   string
	keyspace string
	shard    string
	timeouts VitessTimeouts
	// owned reports whether a tablet alias is one this shard's set makes,
	// so that stale records of its own tablets are cleaned up and nobody
	// else's are.
	owned func(alias string) bool
}

// NewVitess returns the driver of keyspace/shard, reaching vtctld at server.
func NewVitess(exec Executor, server, keyspace, shard string) *Vitess {
	return &Vitess{exec: exec, server: server, keyspace: keyspace, shard: shard, timeouts: DefaultVitessTimeouts(),
		owned: func(string) bool { return false }}
}

// WithTimeouts returns the driver with other timeouts.
func (v *Vitess) WithTimeouts(t VitessTimeouts) *Vitess {
	c := *v
	c.timeouts = t
	return &c
}

// WithOwned returns the driver that cleans up stale tablet records whose
// alias owned accepts.
func (v *Vitess) WithOwned(owned func(alias string) bool) *Vitess {
	c := *v
	c.owned = owned
	return &c
}

// VtctldclientArgs is the command line of one vtctldclient command.
func VtctldclientArgs(server, command string, args ...string) []string {
	return append([]string{"vtctldclient", "--server=" + server, command}, args...)
}

// vtctldclientArgs is a command line with an --action-timeout, which
// vtctldclient takes before the command.
func vtctldclientArgs(server string, timeout time.Duration, command string, args ...string) []string {
	return append([]string{"vtctldclient", "--server=" + server, "--action-timeout=" + timeout.String(), command}, args...)
}

// MysqlArgs is the command line that runs query on a tablet's mysqld through
// its socket, as the vt_dba user, printing tab-separated values only.
func MysqlArgs(uid, query string) []string {
	return []string{"mysql", "--socket=" + VtDataRoot + "/vt_" + uid + "/mysql.sock", "--user=" + DBAUser,
		"--batch", "--skip-column-names", "--execute=" + query}
}

// tabletUID is the UID part of a member's alias, cell-UID.
func tabletUID(m Member) string {
	i := strings.LastIndex(m.ID, "-")
	return m.ID[i+1:]
}

func (v *Vitess) run(ctx context.Context, t Target, container string, timeout time.Duration, argv []string) (Result, error) {
	ctx, release, err := holdSlot(ctx, v.exec)
	if err != nil {
		return Result{}, fmt.Errorf("exec in %s: %w", t, err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, timeout+execSlack)
	defer cancel()
	t.Container = container
	return v.exec.Exec(ctx, t, argv)
}

// vtctld runs a vtctldclient command from the member's vttablet container.
func (v *Vitess) vtctld(ctx context.Context, m Member, timeout time.Duration, command string, args ...string) (Result, error) {
	res, err := v.run(ctx, m.Target, VttabletContainer, timeout, vtctldclientArgs(v.server, timeout, command, args...))
	if err != nil {
		return res, fmt.Errorf("vtctldclient %s from %s: %w", command, m.Pod, err)
	}
	if res.ExitCode != 0 {
		return res, &HookError{Hook: "vtctldclient " + command, Member: m.ID, ExitCode: res.ExitCode, Stderr: VtctldError(res.Stderr + res.Stdout)}
	}
	return res, nil
}

// logPrefix is the glog header vtctldclient prints before an error, with
// its timestamp, thread and source line.
var logPrefix = regexp.MustCompile(`(?m)^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+\S+:\d+\]\s*`)

// rpcPrefix is the gRPC wrapping of a vtctld error.
var rpcPrefix = regexp.MustCompile(`rpc error: code = (\w+) desc = `)

// VtctldError turns what vtctldclient printed on failure into a message that
// stays the same from one attempt to the next: v24 logs the error as a JSON
// line whose msg is kept; older releases print a glog header (a timestamp
// and a thread id), which is dropped, as is the gRPC wrapping; all on one
// line. A status that changed with every failed pass would be written
// every pass.
func VtctldError(out string) string {
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		var entry struct {
			Msg string `json:"msg"`
		}
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "{") && json.Unmarshal([]byte(t), &entry) == nil && entry.Msg != "" {
			line = entry.Msg
		}
		lines = append(lines, line)
	}
	s := logPrefix.ReplaceAllString(strings.Join(lines, "\n"), "")
	s = rpcPrefix.ReplaceAllString(s, "$1: ")
	return strings.Join(strings.Fields(s), " ")
}

// Seed makes the first primary of the shard with PlannedReparentShard,
// which initialises a shard that never had one.
func (v *Vitess) Seed(ctx context.Context, m Member, _ []string) error {
	_, err := v.vtctld(ctx, m, v.timeouts.reparent(), "PlannedReparentShard", "--new-primary="+m.ID,
		"--wait-replicas-timeout="+v.timeouts.WaitReplicas.String(), "--allow-cross-cell-promotion", v.keyspace+"/"+v.shard)
	return err
}

// Promote makes the member the primary with PlannedReparentShard.
func (v *Vitess) Promote(ctx context.Context, m Member, primaries []string) error {
	return v.Seed(ctx, m, primaries)
}

// Switchover moves the primary role from one tablet to another with
// PlannedReparentShard, which demotes the old primary before promoting.
func (v *Vitess) Switchover(ctx context.Context, from, to Member) error {
	_, err := v.vtctld(ctx, to, v.timeouts.reparent(), "PlannedReparentShard", "--new-primary="+to.ID, "--expected-primary="+from.ID,
		"--wait-replicas-timeout="+v.timeouts.WaitReplicas.String(), "--allow-cross-cell-promotion", v.keyspace+"/"+v.shard)
	return err
}

// Follow points a tablet at the shard's current primary and starts
// replication. ReparentTablet re-points (StartReplication alone restarts
// from whatever source mysqld has) and turns a tablet that still calls
// itself primary into a replica; it starts replication only on a tablet
// that had none configured, so StartReplication follows.
func (v *Vitess) Follow(ctx context.Context, m Member, _ []string) error {
	if _, err := v.vtctld(ctx, m, v.timeouts.Command, "ReparentTablet", m.ID); err != nil {
		return err
	}
	_, err := v.vtctld(ctx, m, v.timeouts.Command, "StartReplication", m.ID)
	return err
}

// Stop stops replication on a tablet. On a primary it changes nothing (it
// stays writable); the engine fences primaries with Fence instead.
func (v *Vitess) Stop(ctx context.Context, m Member) error {
	_, err := v.vtctld(ctx, m, v.timeouts.Command, "StopReplication", m.ID)
	return err
}

// fenceQuery makes mysqld read-only and reads the setting back, then sets
// super_read_only, which also stops users with SUPER. MariaDB has no such
// variable and its client stops at that error, so it comes last; the
// answer read is the one printed before it.
const fenceQuery = "SET GLOBAL read_only = ON; SELECT @@global.read_only; SET GLOBAL super_read_only = ON"

// Fence makes a tablet's mysqld refuse writes, through its own socket so
// that it works while vttablet is down, and returns nil only once
// read_only reads back on.
func (v *Vitess) Fence(ctx context.Context, m Member) error {
	res, err := v.run(ctx, m.Target, MysqldContainer, v.timeouts.Command, MysqlArgs(tabletUID(m), fenceQuery))
	if err != nil {
		return fmt.Errorf("fencing %s: %w", m.ID, err)
	}
	lines := strings.Fields(res.Stdout)
	if len(lines) == 0 || lines[0] != "1" {
		return &HookError{Hook: "mysql (fence)", Member: m.ID, ExitCode: res.ExitCode,
			Stderr: "read_only did not read back on: " + res.Stderr + res.Stdout}
	}
	return nil
}

// deleteTablet runs DeleteTablets for one tablet from via's pod; a record
// already gone is fine.
func (v *Vitess) deleteTablet(ctx context.Context, via Member, alias string, flags ...string) error {
	_, err := v.vtctld(ctx, via, v.timeouts.Command, "DeleteTablets", append(flags, alias)...)
	var hook *HookError
	if errors.As(err, &hook) && (strings.Contains(hook.Stderr, "node doesn't exist") || strings.Contains(hook.Stderr, "NotFound")) {
		return nil
	}
	return err
}

// ReleasePrimary deletes the record of a lost primary tablet with
// DeleteTablets --allow-primary, which also clears the shard record's
// primary (grpcvtctldserver/topo.go deleteTablet). A replica restarted
// while that primary is lost cannot start: its vttablet asks the recorded
// primary for its position first (tm_init.go initializeReplication) and
// never serves, so ERS cannot reach it, and under a semi-sync policy
// refuses. With no recorded primary it starts, and ERS promotes as for a
// shard that never had one. A primary that comes back registers anew
// (initTablet) and, seeing another primary recorded, becomes a replica.
func (v *Vitess) ReleasePrimary(ctx context.Context, via Member, id string) error {
	return v.deleteTablet(ctx, via, id, "--allow-primary")
}

// Forget deletes the topology records of tablets: one whose pod goes for
// good (vttablet leaves its record behind, and reparents wait for every
// tablet recorded), or records of this shard's own tablets that no member
// stands for any more. A record already gone is fine.
func (v *Vitess) Forget(ctx context.Context, via Member, ids []string) error {
	for _, id := range ids {
		if err := v.deleteTablet(ctx, via, id); err != nil {
			return err
		}
	}
	return nil
}
