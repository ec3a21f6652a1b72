package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// member is one member pod as its data plane shows it: the simulator's
// state on the pod's claim (test/tabletsim, state.go), read from the host
// as the simulation host lays it out (test/simhost). Nothing here comes
// from a label or a status the operator writes.
type member struct {
	Name string
	// Group is the replicated set: keyspace/shard for a tablet, the set's
	// name for a ReplicatedStatefulSet member.
	Group string
	Dir   string
	UID   string
	// Acting is whether this pod's process acts as a primary now: a
	// writable mysqld for a tablet, the primary role for a member.
	Acting bool
	// Started is whether this pod's process was started in a role by the
	// operator: it has answered since its pod started.
	Started bool
	GTIDs   dataplane.GTIDSet
}

// simState is the part of the simulator's state file the checker reads.
type simState struct {
	Role     string `json:"role"`
	GTIDs    string `json:"gtids"`
	Pod      string `json:"pod"`
	Writable bool   `json:"writable"`
	// ReplRunning is a tablet's replication running.
	ReplRunning bool `json:"replRunning"`
}

// readMembers reads every registered, reachable member of the namespace
// whose registry is reg (<SIM_ROOT>/registry/<namespace>). A pod on a lost
// node is left out: no client reaches it, and it reaches nobody.
func readMembers(reg string) []member {
	entries, err := os.ReadDir(reg)
	if err != nil {
		return nil
	}
	var out []member
	for _, e := range entries {
		name := e.Name()
		if strings.Contains(name, ".") {
			continue
		}
		if m, ok := readMember(reg, name); ok {
			out = append(out, m)
		}
	}
	return out
}

func readMember(reg, name string) (member, bool) {
	link := filepath.Join(reg, name)
	uid, err := os.ReadFile(link + ".uid")
	if err != nil {
		return member{}, false
	}
	if _, err := os.Stat(link + ".lost"); err == nil {
		return member{}, false
	}
	dir, err := filepath.EvalSymlinks(link)
	if err != nil {
		return member{}, false
	}
	data, err := os.ReadFile(filepath.Join(dir, "tabletsim.json"))
	if err != nil {
		return member{}, false
	}
	var st simState
	if json.Unmarshal(data, &st) != nil {
		return member{}, false
	}
	gtids, err := dataplane.ParseGTIDSet(st.GTIDs)
	if err != nil {
		return member{}, false
	}
	m := member{Name: name, Group: groupOf(link, name), Dir: dir, UID: string(uid), GTIDs: gtids}
	// The role is a running process: it belongs to the pod that holds it,
	// not to a pod made anew on the same claim, and a crashed process holds
	// nothing (the simulator's crash marker, for this pod or for any).
	crashed := false
	if marker, err := os.ReadFile(filepath.Join(dir, "crash")); err == nil {
		owner := strings.TrimSpace(string(marker))
		crashed = owner == "" || owner == m.UID
	}
	m.Acting = st.Pod == m.UID && !crashed && (st.Writable || st.Role == "primary")
	m.Started = st.Pod == m.UID && !crashed && (st.Writable || st.ReplRunning || st.Role == "primary" || st.Role == "secondary")
	return m, true
}

// groupOf is the replicated set of a member: a tablet's keyspace and
// shard from the environment its pod was given, else the set's name.
func groupOf(link, name string) string {
	var env map[string]string
	if data, err := os.ReadFile(link + ".env.json"); err == nil && json.Unmarshal(data, &env) == nil && env["TABLET_SHARD"] != "" {
		return env["TABLET_KEYSPACE"] + "/" + env["TABLET_SHARD"]
	}
	if i := strings.LastIndex(name, "-"); i > 0 {
		return name[:i]
	}
	return name
}

// byGroup indexes members by replicated set.
func byGroup(ms []member) map[string][]member {
	out := map[string][]member{}
	for _, m := range ms {
		out[m.Group] = append(out[m.Group], m)
	}
	return out
}

// acting returns the members of a set that act as primaries.
func acting(ms []member) []member {
	var out []member
	for _, m := range ms {
		if m.Acting {
			out = append(out, m)
		}
	}
	return out
}

// simWriter commits writes the way a client of a member's database does:
// it runs the simulator's write command with the environment the
// simulation host gives a process of that pod, on the host where the
// simulated processes run.
type simWriter struct {
	bin       string
	simRoot   string
	namespace string
}

// write commits one transaction on m and returns the GTIDs committed once
// the durability policy in force acknowledged them; an error means the
// write was refused or not acknowledged.
func (w simWriter) write(ctx context.Context, m member) (dataplane.GTIDSet, error) {
	cmd := exec.CommandContext(ctx, w.bin, "write", "1")
	cmd.Dir = m.Dir
	cmd.Env = append(os.Environ(),
		"SIM_ROOT="+w.simRoot, "DATA_DIR="+m.Dir,
		"POD_NAME="+m.Name, "POD_NAMESPACE="+w.namespace, "POD_UID="+m.UID)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return dataplane.GTIDSet{}, fmt.Errorf("write on %s: %w: %s", m.Name, err, strings.TrimSpace(stderr.String()))
	}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if g, ok := strings.CutPrefix(sc.Text(), "gtids: "); ok {
			return dataplane.ParseGTIDSet(g)
		}
	}
	return dataplane.GTIDSet{}, fmt.Errorf("write on %s: no GTIDs in %q", m.Name, stdout.String())
}
