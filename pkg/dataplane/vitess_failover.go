package dataplane

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Failover replaces a lost primary with EmergencyReparentShard, promoting the
// member the engine chose. The primary it replaces is the one the topology's
// shard record names, read just before (expectedPrimary): ERS refuses an
// --expected-primary that is not the shard record's
// (go/vt/vtctl/reparentutil/emergency_reparenter.go), and the operator's own
// record of the last reparent can lag the topology's. --expected-primary
// still makes a late second call fail instead of reparenting again once the
// first one moved the shard; tablets the engine cannot reach are not waited
// for.
func (v *Vitess) Failover(ctx context.Context, f Failover) error {
	expected, err := v.expectedPrimary(ctx, f)
	if err != nil {
		return err
	}
	args := []string{"--new-primary=" + f.To.ID, "--wait-replicas-timeout=" + v.timeouts.WaitReplicas.String()}
	if expected != "" {
		args = append(args, "--expected-primary="+expected)
	}
	var ignore []string
	for _, u := range f.Unreachable {
		if u.ID != expected && (f.From == nil || u.ID != f.From.ID) {
			ignore = append(ignore, u.ID)
		}
	}
	if len(ignore) > 0 {
		args = append(args, "--ignore-replicas="+strings.Join(ignore, ","))
	}
	_, err = v.vtctld(ctx, f.To, v.timeouts.reparent(), "EmergencyReparentShard", append(args, v.keyspace+"/"+v.shard)...)
	return err
}

// expectedPrimary is the --expected-primary of a failover: the primary the
// shard record names, when the engine saw it down (From, or any member that
// did not answer). A record naming a tablet that answered, other than the
// one to promote, means the shard moved since the engine looked: no
// reparent, the next pass sees the new primary. A record naming To, or none,
// gives no --expected-primary.
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
		PrimaryAlias *struct {
			Cell string `json:"cell"`
			UID  uint32 `json:"uid"`
		} `json:"primary_alias"`
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
	return fmt.Sprintf("%s-%010d", a.Cell, a.UID), nil
}
