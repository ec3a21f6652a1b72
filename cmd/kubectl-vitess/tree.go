package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// tabletRow is one tablet of a shard as the tree shows it.
type tabletRow struct {
	pod, alias, pool, role, node string
	ready                        bool
}

// tabletsOf picks the shard's tablets from pods, sorted by alias. The role
// is the operator's label, which it writes from what each tablet answered.
func tabletsOf(s *v1alpha1.VitessShard, pods []corev1.Pod) []tabletRow {
	var rows []tabletRow
	for _, p := range pods {
		if p.Labels[replication.LabelSet] != s.Name || p.Labels[vitess.LabelComponent] != "vttablet" {
			continue
		}
		rows = append(rows, tabletRow{pod: p.Name, alias: envOf(p, "TABLET_ALIAS"), pool: p.Labels[vitess.LabelPool],
			role: p.Labels[replication.LabelRole], node: p.Spec.NodeName, ready: podReady(p)})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].alias < rows[j].alias })
	return rows
}

func envOf(p corev1.Pod, name string) string {
	for _, c := range p.Spec.Containers {
		if c.Name != dataplane.VttabletContainer {
			continue
		}
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value
			}
		}
	}
	return ""
}

func podReady(p corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// switchoverTarget is the pod a switchover moves the primary to: the one
// target names (alias or pod), which must be a master-eligible tablet of
// the shard; else a ready master-eligible tablet that is not the primary.
func switchoverTarget(s *v1alpha1.VitessShard, rows []tabletRow, target string) (string, error) {
	for _, r := range rows {
		if target != "" && (r.alias == target || r.pod == target) {
			if r.pool != vitess.PoolMasterEligible {
				return "", fmt.Errorf("%s is a %s tablet: only master-eligible tablets become primary", target, r.pool)
			}
			return r.pod, nil
		}
	}
	if target != "" {
		return "", fmt.Errorf("%s is not a tablet of %s/%s", target, s.Spec.Keyspace, s.Spec.Name)
	}
	for _, r := range rows {
		if r.pool == vitess.PoolMasterEligible && r.ready && r.role != replication.RolePrimary &&
			slices.Contains(s.Status.Members.Ready, r.pod) && !slices.Contains(s.Status.Members.Primary, r.pod) {
			return r.pod, nil
		}
	}
	return "", fmt.Errorf("%s/%s has no ready master-eligible replica to move its primary to", s.Spec.Keyspace, s.Spec.Name)
}

// clusterView is what the tree shows of one cluster.
type clusterView struct {
	cluster *v1alpha1.VitessCluster
	shards  []*v1alpha1.VitessShard
	tablets map[string][]tabletRow
	events  map[string][]corev1.Event // by shard object name, newest last
	// positionsMode is --positions; positions are by shard object name,
	// and positionsErr says why none could be read for the cluster.
	positionsMode string
	positions     map[string]shardPositions
	positionsErr  string
}

// renderTree prints a cluster as a tree: its cells, then each keyspace's
// shards with their primary, backups and tablets, and recent Events.
func renderTree(w io.Writer, v clusterView, now time.Time) {
	vc := v.cluster
	fmt.Fprintf(w, "VitessCluster %s  %s  shards %d/%d ready  cells %d/%d ready\n", vc.Name, orDash(vc.Status.Phase),
		vc.Status.ReadyShards, vc.Status.Shards, vc.Status.ReadyCells, vc.Status.Cells)
	for _, c := range vc.Spec.Cells {
		var parts []string
		if c.Zone != "" {
			parts = append(parts, "zone "+c.Zone)
		}
		if c.Vtctld != nil {
			parts = append(parts, fmt.Sprintf("vtctld %d", c.Vtctld.Replicas))
		}
		if c.Vtgate != nil {
			parts = append(parts, fmt.Sprintf("vtgate %d", c.Vtgate.Replicas))
		}
		fmt.Fprintf(w, "├─ cell %s  %s\n", c.Name, strings.Join(parts, ", "))
	}
	if v.positionsErr != "" {
		fmt.Fprintf(w, "├─ positions unknown: %s\n", v.positionsErr)
	}
	byKeyspace := map[string][]*v1alpha1.VitessShard{}
	var keyspaces []string
	for _, s := range v.shards {
		if _, ok := byKeyspace[s.Spec.Keyspace]; !ok {
			keyspaces = append(keyspaces, s.Spec.Keyspace)
		}
		byKeyspace[s.Spec.Keyspace] = append(byKeyspace[s.Spec.Keyspace], s)
	}
	sort.Strings(keyspaces)
	for i, ks := range keyspaces {
		last := i == len(keyspaces)-1
		fmt.Fprintf(w, "%s keyspace %s\n", branch(last), ks)
		shards := byKeyspace[ks]
		sort.Slice(shards, func(a, b int) bool { return shards[a].Spec.Name < shards[b].Spec.Name })
		for j, s := range shards {
			var sp *shardPositions
			if p, ok := v.positions[s.Name]; ok {
				sp = &p
			}
			renderShard(w, indent(last), s, j == len(shards)-1, shardRows(v.tablets[s.Name], v.positionsMode, sp, v.events[s.Name], now), now)
		}
	}
}

// shardRows are the lines under a shard: its tablets, with their positions
// (sp nil: not read), why the positions are unknown if vtctld said so, and
// its latest Events.
func shardRows(tablets []tabletRow, mode string, sp *shardPositions, events []corev1.Event, now time.Time) []string {
	var rows []string
	for _, t := range tablets {
		ready := "not ready"
		if t.ready {
			ready = "ready"
		}
		row := fmt.Sprintf("%s  %s  %s  %s  %s  node %s", t.alias, orDash(t.role), t.pool, ready, t.pod, orDash(t.node))
		if pos := positionText(mode, t.alias, sp); pos != "" {
			row += "  " + pos
		}
		rows = append(rows, row)
	}
	if sp != nil && sp.err != "" {
		rows = append(rows, "positions unknown: "+sp.err)
	}
	for _, e := range events {
		rows = append(rows, fmt.Sprintf("%s ago  %s  %s: %s", age(now, eventTime(e)), e.Type, e.Reason, e.Message))
	}
	return rows
}

func renderShard(w io.Writer, prefix string, s *v1alpha1.VitessShard, last bool, rows []string, now time.Time) {
	line := fmt.Sprintf("shard %s  %s  primary %s", s.Spec.Name, orDash(s.Status.Phase), orDash(strings.Join(s.Status.Members.Primary, ",")))
	if b := s.Status.Backups; b != nil {
		line += fmt.Sprintf("  backups %d", b.Count)
		if b.LatestTime != nil {
			line += fmt.Sprintf(" (latest %s ago)", age(now, b.LatestTime.Time))
		}
	}
	fmt.Fprintf(w, "%s%s %s\n", prefix, branch(last), line)
	inner := prefix + indent(last)
	for k, r := range rows {
		fmt.Fprintf(w, "%s%s %s\n", inner, branch(k == len(rows)-1), r)
	}
}

func branch(last bool) string {
	if last {
		return "└─"
	}
	return "├─"
}

func indent(last bool) string {
	if last {
		return "   "
	}
	return "│  "
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// age is a short duration such as 5s, 3m or 2h.
func age(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// eventTime is when an Event last happened.
func eventTime(e corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
