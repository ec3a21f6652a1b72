package dataplane

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Failover replaces a lost primary with EmergencyReparentShard, promoting the
// member the engine chose. --expected-primary makes a retry, or a late
// second call, fail instead of reparenting again once the first one moved
// the shard.
//
// Tablets the engine cannot reach are not passed as --ignore-replicas: ERS
// leaves ignored tablets out of the replicas it must reach and, with only
// the primary unanswered, promotes without asking whether the others could
// hold acknowledged writes (reparentutil/replication.go,
// stopReplicationAndBuildStatusMaps). A replica that was the only one to
// acknowledge the last writes, its pod being made again, would lose them
// (found by make chaos: two tablets of a shard diverged). Not ignored, a
// tablet ERS cannot reach makes it check with the durability policy that no
// write can have committed without the tablets it reached (haveRevoked),
// and refuse otherwise until that tablet answers.
//
// ERS refuses an --expected-primary that is not the one the shard record
// names (go/vt/vtctl/reparentutil/emergency_reparenter.go), and the
// engine's own record of the last reparent can lag the topology's: an
// operator killed between a reparent and its bookkeeping. On that refusal
// the driver reads the shard record (expectedPrimary) and tries once more.
// The common case stays one command: a failover is timed by its users.
func (v *Vitess) Failover(ctx context.Context, f Failover) error {
	expected := ""
	if f.From != nil {
		expected = f.From.ID
	}
	err := v.emergencyReparent(ctx, f, expected)
	if !expectedPrimaryRefused(err) {
		return err
	}
	recorded, rerr := v.expectedPrimary(ctx, f)
	if rerr != nil {
		return errors.Join(err, rerr)
	}
	return v.emergencyReparent(ctx, f, recorded)
}

// emergencyReparent runs EmergencyReparentShard to f.To, expecting the
// shard's primary to be expected ("" for no expectation).
func (v *Vitess) emergencyReparent(ctx context.Context, f Failover, expected string) error {
	args := []string{"--new-primary=" + f.To.ID, "--wait-replicas-timeout=" + v.timeouts.WaitReplicas.String()}
	if expected != "" {
		args = append(args, "--expected-primary="+expected)
	}
	_, err := v.vtctld(ctx, f.To, v.timeouts.reparent(), "EmergencyReparentShard", append(args, v.keyspace+"/"+v.shard)...)
	return err
}

// expectedPrimaryRefused reports whether a reparent failed because the
// shard record names another primary than the one expected.
func expectedPrimaryRefused(err error) bool {
	var he *HookError
	return errors.As(err, &he) && strings.Contains(he.Stderr, "is not equal to expected alias")
}

// expectedPrimary is the --expected-primary of a failover the engine's
// expectation was refused for: the primary the shard record names, when
// the engine saw it down (any member that did not answer). A record naming
// a tablet that answered, other than the one to promote, means the shard
// moved since the engine looked: no reparent, the next pass sees the new
// primary. A record naming To, or none, gives no --expected-primary.
func (v *Vitess) expectedPrimary(ctx context.Context, f Failover) (string, error) {
	res, err := v.vtctld(ctx, f.To, v.timeouts.Command, "GetShard", v.keyspace+"/"+v.shard)
	if err != nil {
		return "", fmt.Errorf("reading the shard record before failing over: %w", err)
	}
	recorded, err := shardPrimaryOf(res.Stdout)
	if err != nil {
		return "", err
	}
	switch {
	case recorded == "" || recorded == f.To.ID:
		return "", nil
	case f.From != nil && recorded == f.From.ID, slices.Contains(f.Down, recorded):
		return recorded, nil
	}
	return "", fmt.Errorf("the shard record names %s its primary, which answered when the failover was decided: not reparenting", recorded)
}

// shardRecord is the part of GetShard's answer (the protojson of
// vtctldata.Shard, proto field names) the driver reads.
type shardRecord struct {
	Shard struct {
		PrimaryAlias *tabletAlias `json:"primary_alias"`
	} `json:"shard"`
}

// shardPrimaryOf is the alias of the primary a GetShard answer names, ""
// for none.
func shardPrimaryOf(out string) (string, error) {
	var r shardRecord
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		return "", fmt.Errorf("vtctldclient GetShard printed %q: %w", safeOutput(out), err)
	}
	a := r.Shard.PrimaryAlias
	if a == nil || a.Cell == "" {
		return "", nil
	}
	return a.String(), nil
}
