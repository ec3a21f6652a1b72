package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane/position"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// How status shows replication positions (--positions).
const (
	positionsShort = "short" // GTID sets with server UUIDs cut to 8 characters, at most maxSources of them
	positionsFull  = "full"  // as vtctld prints them
	positionsOff   = "off"   // not read: no exec into the vtctld pod
)

const (
	// positionsTimeout bounds one shard's ShardReplicationPositions. vtctld
	// waits for a tablet that does not answer up to its
	// --remote_operation_timeout (15 s by default) and then reports it
	// without a position, so the call is given longer than that.
	positionsTimeout = 30 * time.Second
	// positionsParallel is how many shards are asked at once: one exec each.
	positionsParallel = 8
	// maxSources is how many servers' transactions a short position lists.
	maxSources = 3
	// maxReason is how long a one-line reason may grow.
	maxReason = 160
)

// tabletPosition is one tablet's line of ShardReplicationPositions.
type tabletPosition struct {
	// typ is the tablet type of its topology record: primary, replica, rdonly.
	typ string
	// termStart is the primary term start (RFC 3339), "" when none.
	termStart string
	// answered is false for a tablet vtctld did not reach in time.
	answered bool
	position string
	lag      uint64 // seconds, as MySQL reports it (0 when unknown)
}

// shardPositions is what vtctld told of one shard: the tablets by alias, or
// why it could not tell (err, one line).
type shardPositions struct {
	byAlias map[string]tabletPosition
	err     string
}

// positions reads every shard's replication positions from the cluster's
// vtctld: one ShardReplicationPositions a shard, run in a vtctld pod as the
// vtctldclient command does. It never fails: what it could not read comes
// back as a reason, for the cluster (no vtctld pod) or for a shard.
func (c *client) positions(ctx context.Context, cluster string, shards []*v1alpha1.VitessShard) (map[string]shardPositions, string) {
	pod, err := c.vtctldPod(ctx, cluster)
	if err != nil {
		return nil, oneLine(err.Error())
	}
	out := make(map[string]shardPositions, len(shards))
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, positionsParallel)
	for _, s := range shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			sp := c.shardPositions(ctx, cluster, pod, s.Spec.Keyspace+"/"+s.Spec.Name)
			mu.Lock()
			out[s.Name] = sp
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out, ""
}

// shardPositions runs ShardReplicationPositions for one shard. Its
// --action-timeout ends vtctldclient itself before the exec is cut off.
func (c *client) shardPositions(ctx context.Context, cluster, pod, shard string) shardPositions {
	ctx, cancel := context.WithTimeout(ctx, positionsTimeout)
	defer cancel()
	argv := dataplane.VtctldclientArgs(vitess.VtctldAddress(cluster, c.namespace), "ShardReplicationPositions",
		"--action-timeout="+(positionsTimeout-5*time.Second).String(), shard)
	res, err := c.exec.Exec(ctx, dataplane.Target{Namespace: c.namespace, Pod: pod, Container: dataplane.VtctldContainer}, argv)
	if err != nil {
		return shardPositions{err: oneLine("running vtctldclient in " + pod + ": " + err.Error())}
	}
	if res.ExitCode != 0 {
		return shardPositions{err: failureReason(res)}
	}
	byAlias, err := parsePositions(res.Stdout)
	if err != nil {
		return shardPositions{err: oneLine(err.Error())}
	}
	return shardPositions{byAlias: byAlias}
}

// parsePositions reads vtctldclient v24's ShardReplicationPositions output
// (go/cmd/vtctldclient/command/shards.go): one line a tablet, the tablet's
// alias, keyspace, shard, type, addresses, tags and primary term start
// (cli.MarshalTabletAWK; the tags, in brackets, may hold spaces), then
// " <position> <lag>". A tablet vtctld did not reach in time has an empty
// position and lag 0: its nil status crosses gRPC as an empty one. Only an
// in-process vtctld would keep it nil, which vtctldclient prints as
// "<err> <err> <err>" glued to the term start; that is read too.
func parsePositions(out string) (map[string]tabletPosition, error) {
	tablets := map[string]tabletPosition{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, "\r")
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) < 8 {
			return nil, fmt.Errorf("vtctldclient ShardReplicationPositions printed %q, not a tablet, its term start, position and lag", line)
		}
		tp := tabletPosition{typ: f[3]}
		if head, ok := strings.CutSuffix(line, "<err> <err> <err>"); ok {
			_, tp.termStart, _ = cutLast(head)
		} else {
			rest, lag, _ := cutLast(line)
			rest, tp.position, _ = cutLast(rest)
			_, tp.termStart, _ = cutLast(rest)
			n, err := strconv.ParseUint(lag, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("the lag of %s in %q: %w", f[0], line, err)
			}
			tp.lag, tp.answered = n, tp.position != ""
		}
		if tp.termStart == "<null>" {
			tp.termStart = ""
		}
		tablets[f[0]] = tp
	}
	return tablets, nil
}

// cutLast splits s at its last space.
func cutLast(s string) (before, after string, found bool) {
	i := strings.LastIndex(s, " ")
	if i < 0 {
		return "", s, false
	}
	return s[:i], s[i+1:], true
}

// failureReason is one line saying why vtctldclient failed: the message of
// the error it logs as JSON, else its last line of output.
func failureReason(res dataplane.Result) string {
	lines := strings.Split(strings.TrimSpace(res.Stderr+"\n"+res.Stdout), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		var logged struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal([]byte(l), &logged) == nil && logged.Msg != "" {
			return oneLine(logged.Msg)
		}
		if l != "" {
			return oneLine(l)
		}
	}
	return fmt.Sprintf("vtctldclient exited %d", res.ExitCode)
}

// oneLine keeps a reason on one line of reasonable length.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReason {
		s = string(r[:maxReason-1]) + "…"
	}
	return s
}

// primary is the shard's primary as vtctld answered: the PRIMARY record
// with the latest term start that answered.
func (sp shardPositions) primary() (tabletPosition, bool) {
	var best tabletPosition
	found := false
	for _, tp := range sp.byAlias {
		if tp.typ == "primary" && tp.answered && (!found || tp.termStart > best.termStart) {
			best, found = tp, true
		}
	}
	return best, found
}

// positionText is what the tree shows of a tablet's position: the
// position, for a replica how it stands against the primary, and the lag
// when there is one; "" when positions are off or were not asked for.
func positionText(mode, alias string, sp *shardPositions) string {
	switch {
	case mode == positionsOff || mode == "":
		return ""
	case sp == nil || sp.byAlias == nil:
		return "pos unknown"
	}
	tp, ok := sp.byAlias[alias]
	switch {
	case !ok:
		// Not in the shard's replication graph, or of a type vtctld does
		// not ask (backup, restore, drained).
		return "pos -"
	case !tp.answered:
		return "pos no answer"
	}
	text := "pos " + tp.position
	if mode != positionsFull {
		text = "pos " + shortPosition(tp.position)
	}
	if p, ok := sp.primary(); ok && tp.typ != "primary" {
		if st := replicaState(p.position, tp.position); st != "" {
			text += "  " + st
		}
	}
	if tp.lag > 0 {
		text += fmt.Sprintf("  lag %ds", tp.lag)
	}
	return text
}

// shortPosition fits a position to a terminal: the flavor prefix goes, each
// server UUID is cut to its first 8 characters, and of more than maxSources
// servers only the maxSources with the most transactions are listed, in
// their order, with how many were left out. "empty" is a GTID set without
// transactions.
func shortPosition(pos string) string {
	flavor, set, ok := strings.Cut(pos, "/")
	switch {
	case !ok:
		return pos
	case set == "":
		return "empty"
	case flavor != "MySQL56":
		return set // MariaDB: domain-server-sequence, short already
	}
	parts := strings.Split(set, ",")
	keep := make([]bool, len(parts))
	order := make([]int, len(parts))
	counts := make([]uint64, len(parts))
	for i, p := range parts {
		order[i] = i
		if g, err := position.ParseGTIDSet(p); err == nil {
			counts[i] = g.Count()
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return counts[order[a]] > counts[order[b]] })
	for _, i := range order[:min(len(order), maxSources)] {
		keep[i] = true
	}
	var out []string
	for i, p := range parts {
		if !keep[i] {
			continue
		}
		if uuid, rest, ok := strings.Cut(strings.TrimSpace(p), ":"); ok && len(uuid) == 36 {
			p = uuid[:8] + ":" + rest
		}
		out = append(out, p)
	}
	s := strings.Join(out, ",")
	if left := len(parts) - len(out); left > 0 {
		s += fmt.Sprintf(",+%d more", left)
	}
	return s
}

// replicaState compares a replica's position with its primary's, read at
// nearly the same time: "in sync" when it holds every transaction the
// primary held, "behind N" (N transactions; MariaDB positions tell no
// count), "diverged" when it also holds transactions the primary lacks
// (errant ones); "" when the positions do not compare.
func replicaState(primary, replica string) string {
	p, perr := position.ParsePosition(primary)
	r, rerr := position.ParsePosition(replica)
	if perr != nil || rerr != nil {
		return ""
	}
	if pg, ok := p.(position.GTIDSet); ok {
		rg, ok := r.(position.GTIDSet)
		if !ok {
			return ""
		}
		missing := pg.Minus(rg).Count()
		switch {
		case missing == 0:
			return "in sync"
		case !rg.Minus(pg).Empty():
			return "diverged"
		}
		return fmt.Sprintf("behind %d", missing)
	}
	switch cmp, ok := r.Compare(p); {
	case !ok:
		return "diverged"
	case cmp < 0:
		return "behind"
	}
	return "in sync"
}
