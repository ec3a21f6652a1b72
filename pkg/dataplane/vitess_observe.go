package dataplane

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Replication thread states as GetFullStatus reports them (Vitess's
// replication.ReplicationState).
const (
	replicationStopped    = 1
	replicationConnecting = 2
	replicationRunning    = 3
)

// fullStatus is the part of GetFullStatus's answer the driver reads: the
// tablet's mysqld is writable or not (read straight from mysqld), and its
// replication threads and position.
type fullStatus struct {
	TabletType string `json:"tablet_type"`
	ReadOnly   bool   `json:"read_only"`
	// ServerUUID is the mysqld's server_uuid: the source its own
	// transactions carry in GTID sets.
	ServerUUID        string `json:"server_uuid"`
	ReplicationStatus *struct {
		Position    string `json:"position"`
		IOState     int    `json:"io_state"`
		SQLState    int    `json:"sql_state"`
		LastIOError string `json:"last_io_error"`
		SourceHost  string `json:"source_host"`
		SourcePort  int32  `json:"source_port"`
	} `json:"replication_status"`
	PrimaryStatus *struct {
		Position string `json:"position"`
	} `json:"primary_status"`
}

// tabletRecord is the part of a topology tablet record GetTablets --format
// json prints (Go's encoding of the record: the type is a number).
type tabletRecord struct {
	Alias tabletAlias `json:"alias"`
	Type  int         `json:"type"`
	// MysqlHostname and MysqlPort are where the tablet's mysqld listens, as
	// replicas name their source (vttablet's SetReplicationSource takes them
	// from the primary's record).
	MysqlHostname        string `json:"mysql_hostname"`
	MysqlPort            int32  `json:"mysql_port"`
	PrimaryTermStartTime *struct {
		Seconds     int64 `json:"seconds"`
		Nanoseconds int32 `json:"nanoseconds"`
	} `json:"primary_term_start_time"`
}

// tabletTypePrimary is topodata.TabletType_PRIMARY.
const tabletTypePrimary = 1

// tabletAlias is a topology tablet alias as Vitess's JSON prints it.
type tabletAlias struct {
	Cell string `json:"cell"`
	UID  uint32 `json:"uid"`
}

// String is the alias as vtctldclient takes it: cell-uid, the uid padded
// to ten digits.
func (a tabletAlias) String() string { return fmt.Sprintf("%s-%010d", a.Cell, a.UID) }

// term orders primaries by when their term started; zero for others.
func (r tabletRecord) term() int64 {
	if r.Type != tabletTypePrimary || r.PrimaryTermStartTime == nil {
		return 0
	}
	return r.PrimaryTermStartTime.Seconds*int64(time.Second) + int64(r.PrimaryTermStartTime.Nanoseconds)
}

// quote quotes s for sh.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// ShellCommand is argv as one sh command line, every argument quoted.
func ShellCommand(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = quote(a)
	}
	return strings.Join(q, " ")
}

// GetFullStatusArgs is the command line that reads one tablet's status.
func (v *Vitess) GetFullStatusArgs(alias string) []string {
	return vtctldclientArgs(v.server, v.timeouts.Probe, "GetFullStatus", alias)
}

// GetTabletsArgs is the command line that lists the shard's tablet records.
func (v *Vitess) GetTabletsArgs() []string {
	return vtctldclientArgs(v.server, v.timeouts.Probe, "GetTablets", "--keyspace", v.keyspace, "--shard", v.shard, "--format", "json")
}

// probeScript runs GetFullStatus for each alias and then GetTablets, one
// after another, marking each answer on stdout and stderr so they can be
// told apart.
func (v *Vitess) probeScript(aliases []string) string {
	var b strings.Builder
	step := func(mark string, argv []string) {
		fmt.Fprintf(&b, "echo '### %s'; echo '### %s' >&2; %s; echo \"### exit $?\"\n", mark, mark, ShellCommand(argv))
	}
	for _, a := range aliases {
		step("status "+a, v.GetFullStatusArgs(a))
	}
	step("tablets", v.GetTabletsArgs())
	return b.String()
}

// section is one marked answer of the probe script.
type section struct {
	stdout, stderr string
	exit           string
}

// splitSections reads the probe script's marked output.
func splitSections(stdout, stderr string) map[string]*section {
	out := map[string]*section{}
	var cur *section
	for _, line := range strings.SplitAfter(stdout, "\n") {
		switch t := strings.TrimSpace(line); {
		case strings.HasPrefix(t, "### exit "):
			if cur != nil {
				cur.exit = strings.TrimPrefix(t, "### exit ")
			}
		case strings.HasPrefix(t, "### "):
			cur = &section{}
			out[strings.TrimPrefix(t, "### ")] = cur
		case cur != nil:
			cur.stdout += line
		}
	}
	var name string
	for _, line := range strings.SplitAfter(stderr, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "### ") {
			name = strings.TrimPrefix(t, "### ")
		} else if s, ok := out[name]; ok {
			s.stderr += line
		}
	}
	return out
}

// ProbeSet reads every tablet's status and the shard's tablet records with
// one exec into one tablet pod, trying the next pod when an exec cannot
// run. Tablets whose status cannot be read are then asked one by one, in
// their own pods, to tell a tablet that is down from one that cannot be
// reached.
func (v *Vitess) ProbeSet(ctx context.Context, members []Member, known []string) (SetObservation, error) {
	obs := SetObservation{Members: map[string]Observation{}}
	aliases := make([]string, len(members))
	for i, m := range members {
		aliases[i] = m.ID
	}
	script := v.probeScript(aliases)
	timeout := time.Duration(len(members)+1) * v.timeouts.Probe
	var sections map[string]*section
	for _, via := range members {
		res, err := v.run(ctx, via.Target, VttabletContainer, timeout, []string{"sh", "-c", script})
		if err != nil {
			obs.Members[via.Pod] = Observation{State: StateUnknown, Detail: err.Error()}
			continue
		}
		sections = splitSections(res.Stdout, res.Stderr)
		break
	}
	if sections == nil {
		return obs, nil // no pod could be reached: each is unknown
	}
	records, err := readRecords(sections["tablets"])
	if err != nil {
		return obs, err
	}
	sources := sourcePods(members, records)
	for _, m := range members {
		if _, done := obs.Members[m.Pod]; done {
			continue
		}
		o, source := observation(sections["status "+m.ID], records[m.ID])
		if o.State == StateFailed {
			o = v.whyNotAnswering(ctx, m, o.Detail)
		}
		if o.State == StateSecondary {
			o.Source = sources[source]
		}
		obs.Members[m.Pod] = o
	}
	obs.Strangers = v.strangers(records, known)
	return obs, nil
}

// readRecords reads GetTablets's answer; it failing means vtctld or the
// topology does not answer, so nothing is known of any tablet.
func readRecords(s *section) (map[string]tabletRecord, error) {
	if s == nil {
		return nil, fmt.Errorf("vtctldclient GetTablets printed nothing")
	}
	if s.exit != "0" {
		return nil, fmt.Errorf("vtctldclient GetTablets exited %s: %s", s.exit, safeOutput(VtctldError(s.stderr+s.stdout)))
	}
	var list []tabletRecord
	if err := json.Unmarshal([]byte(s.stdout), &list); err != nil {
		return nil, fmt.Errorf("vtctldclient GetTablets printed %q: %w", safeOutput(s.stdout), err)
	}
	out := map[string]tabletRecord{}
	for _, r := range list {
		out[r.Alias.String()] = r
	}
	return out, nil
}

// mysqlAddr is where a mysqld listens, as a replica names its source.
type mysqlAddr struct {
	host string
	port int32
}

// sourcePods maps the mysqld address of each member's tablet record to the
// member's pod, so a replica's source can be named as a member.
func sourcePods(members []Member, records map[string]tabletRecord) map[mysqlAddr]string {
	out := map[mysqlAddr]string{}
	for _, m := range members {
		if r, ok := records[m.ID]; ok && r.MysqlHostname != "" {
			out[mysqlAddr{r.MysqlHostname, r.MysqlPort}] = m.Pod
		}
	}
	return out
}

// observation maps one tablet's GetFullStatus answer to a state: writable
// is a primary; read-only with replication threads running (or the IO
// thread connecting to a primary that went away) a secondary; read-only
// and not replicating stopped. A tablet that did not answer is failed. It
// also returns the mysqld address the tablet replicates from.
func observation(s *section, rec tabletRecord) (Observation, mysqlAddr) {
	if s == nil {
		return Observation{State: StateFailed, Detail: "GetFullStatus printed nothing"}, mysqlAddr{}
	}
	if s.exit != "0" {
		return Observation{State: StateFailed, Detail: "GetFullStatus: " + safeOutput(VtctldError(s.stderr+s.stdout))}, mysqlAddr{}
	}
	var st fullStatus
	if err := json.Unmarshal([]byte(s.stdout), &st); err != nil {
		return Observation{State: StateFailed, Detail: fmt.Sprintf("GetFullStatus printed %q: %v", safeOutput(s.stdout), err)}, mysqlAddr{}
	}
	var source mysqlAddr
	pos := ""
	if st.PrimaryStatus != nil {
		pos = st.PrimaryStatus.Position
	}
	o := Observation{State: StateStopped, Term: rec.term(), ServerID: st.ServerUUID}
	if r := st.ReplicationStatus; r != nil {
		pos = r.Position
		source = mysqlAddr{r.SourceHost, r.SourcePort}
		if r.IOState == replicationRunning || r.IOState == replicationConnecting || r.SQLState == replicationRunning {
			o.State = StateSecondary
		}
	}
	if !st.ReadOnly {
		o.State = StatePrimary
	}
	if pos != "" {
		p, err := ParsePosition(pos)
		if err != nil {
			// The error quotes what was printed: trimmed, so a condition stays short.
			return Observation{State: StateFailed, Detail: "GetFullStatus: " + safeOutput(err.Error())}, mysqlAddr{}
		}
		o.Position = p
	}
	return o, source
}

// whyNotAnswering asks a tablet's own mysqld, in its own pod, whether it is
// up: an exec that cannot run means the pod cannot be reached (unknown);
// otherwise the tablet is failed, and the detail says which part is down.
// A mysqld that is up also tells its server_uuid and executed GTID set
// (MySQL; MariaDB has neither variable and its client stops at the error,
// after the answer that matters): a vttablet that exits at its start, as
// one holding errant GTIDs does on MySQL (tm_init.go
// initializeReplication), leaves its position readable only there, and
// the engine tells a diverged tablet by its position.
func (v *Vitess) whyNotAnswering(ctx context.Context, m Member, vtctldSaid string) Observation {
	res, err := v.run(ctx, m.Target, MysqldContainer, v.timeouts.Probe, MysqlArgs(tabletUID(m), mysqldProbeQuery))
	if err != nil {
		return Observation{State: StateUnknown, Detail: err.Error()}
	}
	lines := strings.SplitN(res.Stdout, "\n", 2)
	readOnly := strings.TrimSpace(lines[0])
	if readOnly != "0" && readOnly != "1" {
		return Observation{State: StateFailed, Detail: "mysqld does not answer: " + safeOutput(strings.TrimSpace(res.Stderr))}
	}
	o := Observation{State: StateFailed, AgentDown: true, Detail: fmt.Sprintf("mysqld is up (read_only=%s) but vttablet does not answer: %s",
		readOnly, vtctldSaid)}
	if len(lines) == 2 {
		o.ServerID, o.Position = mysqldPosition(lines[1])
	}
	return o
}

// mysqldProbeQuery reads read_only, then MySQL's server_uuid and executed
// GTID set.
const mysqldProbeQuery = "SELECT @@global.read_only; SELECT @@global.server_uuid, @@global.gtid_executed"

// mysqldPosition reads "server_uuid<TAB>gtid_executed" as mysql --batch
// prints it (a newline inside a value printed as \n); nil when it does
// not parse.
func mysqldPosition(line string) (string, Position) {
	uuid, gtids, ok := strings.Cut(strings.TrimSpace(line), "\t")
	if !ok {
		return "", nil
	}
	gtids = strings.Join(strings.Fields(strings.ReplaceAll(gtids, `\n`, "")), "")
	p, err := ParsePosition("MySQL56/" + gtids)
	if err != nil {
		return "", nil
	}
	return strings.TrimSpace(uuid), p
}

// strangers are records of this shard's own tablets that no member stands for.
func (v *Vitess) strangers(records map[string]tabletRecord, known []string) []string {
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	var out []string
	for alias := range records {
		if !isKnown[alias] && v.owned(alias) {
			out = append(out, alias)
		}
	}
	sort.Strings(out)
	return out
}

// Observe reads one tablet's state the way ProbeSet does, for a tablet
// asked on its own.
func (v *Vitess) Observe(ctx context.Context, m Member) Observation {
	obs, err := v.ProbeSet(ctx, []Member{m}, []string{m.ID})
	if err != nil {
		return Observation{State: StateUnknown, Detail: "cannot observe the shard: " + err.Error()}
	}
	return obs.Members[m.Pod]
}

// Status is Observe without the position.
func (v *Vitess) Status(ctx context.Context, m Member) (State, string) {
	o := v.Observe(ctx, m)
	return o.State, o.Detail
}

// Position is the tablet's position as its status reports it.
func (v *Vitess) Position(ctx context.Context, m Member) (Position, error) {
	o := v.Observe(ctx, m)
	if o.Position == nil {
		return nil, fmt.Errorf("tablet %s reported no position (%s: %s)", m.ID, o.State, o.Detail)
	}
	return o.Position, nil
}
