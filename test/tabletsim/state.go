package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane/position"
)

// Roles a simulated member can be in.
const (
	roleStopped   = "stopped"
	rolePrimary   = "primary"
	roleSecondary = "secondary"
)

// Marker files a test creates in a member's data directory to make it fail.
const (
	// markerCrash makes status report the member failed and every start hook
	// fail. When it holds a pod UID, it applies to that pod only: the crash
	// was in that pod's process, and a replacement pod on the same claim is
	// healthy again.
	markerCrash = "crash"
	// markerWedged makes stop fail as well.
	markerWedged = "wedged"
)

// state is what a member keeps in its data directory, and so on its claim:
// its role, the transactions it holds as a GTID set, and which primary it
// follows.
type state struct {
	Role string `json:"role"`
	// GTIDs is the set of transactions the member holds.
	GTIDs string `json:"gtids,omitempty"`
	// ServerUUID names the transactions this member commits as a primary; it
	// is made once and lives with the data.
	ServerUUID string `json:"serverUUID,omitempty"`
	// Source is the pod name of the primary a secondary follows.
	Source string `json:"source,omitempty"`
	// Pod is the UID of the pod whose process holds the role. The data is
	// on the claim and outlives the pod; the role is a running process and
	// does not: a pod made anew on the claim starts stopped.
	Pod string `json:"pod,omitempty"`

	// The rest is a Vitess tablet's mysqld. Writable is read_only off: a
	// mysqld starts read-only, as Vitess's my.cnf starts it
	// (config/mycnf/*.cnf: super-read-only / read-only).
	Writable bool `json:"writable,omitempty"`
	// ReplSource is the pod name of the primary replication is configured
	// from ("" when none is); it lives with the data, as MySQL's
	// connection metadata does.
	ReplSource string `json:"replSource,omitempty"`
	// ReplSourceUUID is that primary's server_uuid, which MySQL keeps with
	// the replication status (Source_UUID) after the primary is gone.
	ReplSourceUUID string `json:"replSourceUUID,omitempty"`
	// ReplRunning is whether the replication threads run; they do not after
	// a restart (skip_replica_start in Vitess's my.cnf) until vttablet
	// starts them.
	ReplRunning bool `json:"replRunning,omitempty"`
	// Journal is how many rows of the reparent journal
	// (_vt.reparent_journal) the tablet's data holds: a promotion adds one
	// on the new primary (PopulateReparentJournal), replication carries
	// them. ERS tells lagged tablets by it (findErrantGTIDs).
	Journal int `json:"journal,omitempty"`
	// ReplInit is the pod UID whose vttablet initialised replication at its
	// start (tm_init.go initializeReplication); until it has, a replica
	// retries, as a vttablet whose start failed is restarted.
	ReplInit string `json:"replInit,omitempty"`
	// RestoredFrom is the backup the tablet's data was restored from at its
	// start, and RestorePosition that backup's position (vttablet's
	// RestoredBackupTime and RestorePosition variables).
	RestoredFrom    string `json:"restoredFrom,omitempty"`
	RestorePosition string `json:"restorePosition,omitempty"`
	// Accounts are mysqld's accounts, user@host to password (accounts.go);
	// nil in data from before the simulator kept them.
	Accounts map[string]string `json:"accounts,omitempty"`
}

// gtids parses the member's GTID set; a state this simulator wrote always parses.
func (s *state) gtids() position.GTIDSet {
	g, err := position.ParseGTIDSet(s.GTIDs)
	if err != nil {
		return position.GTIDSet{}
	}
	return g
}

// zero reports whether the tablet's position would be empty on a real
// mysqld: no transactions, and no reparent journal row (each is a
// transaction there; the simulator counts them apart, so that a tablet's
// transactions are the writes it holds).
func (s *state) zero() bool { return s.Journal == 0 && s.gtids().Empty() }

// replicate takes what a source holds: its transactions and, with them,
// its rows of the reparent journal.
func (s *state) replicate(src state) {
	s.absorb(src.gtids())
	s.Journal = max(s.Journal, src.Journal)
}

// absorb adds the transactions of other to the member's.
func (s *state) absorb(other position.GTIDSet) {
	s.GTIDs = s.gtids().Union(other).String()
}

// position is the number of transactions the member holds, what the RSS
// sequence hook prints.
func (s *state) position() uint64 { return s.gtids().Count() }

// commit adds n transactions of the member's own server UUID.
func (s *state) commit(n uint64) string {
	if s.ServerUUID == "" {
		s.ServerUUID = newUUID()
	}
	own := s.gtids()
	next := uint64(1)
	for own.Contains(mustGTID(fmt.Sprintf("%s:%d", s.ServerUUID, next))) {
		next++
	}
	if n == 0 {
		return ""
	}
	committed := fmt.Sprintf("%s:%d-%d", s.ServerUUID, next, next+n-1)
	s.absorb(mustGTID(committed))
	return committed
}

func mustGTID(s string) position.GTIDSet {
	g, err := position.ParseGTIDSet(s)
	if err != nil {
		panic(fmt.Sprintf("tabletsim built a bad GTID set %q: %v", s, err))
	}
	return g
}

// newUUID returns a random server UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// member is one simulated member: a pod and its data directory.
type member struct {
	name      string
	namespace string
	dir       string
	// uid is the pod's UID, known for the member a hook runs in.
	uid string
	// env is the literal env of the pod's containers, as the simulation
	// host records it; a Vitess tablet says there what it is.
	env map[string]string
	// started is when the pod was registered, which the simulation host does
	// once it runs: when its processes started.
	started time.Time
	// lost is set while the pod's node is lost.
	lost bool
}

func (m member) statePath() string { return filepath.Join(m.dir, "tabletsim.json") }

// load reads the member's state; a member that never ran, or whose role
// belonged to an earlier pod, is stopped.
func (m member) load() (state, error) {
	data, err := os.ReadFile(m.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return state{Role: roleStopped}, nil
	} else if err != nil {
		return state{}, err
	}
	var s state
	if err := json.Unmarshal(data, &s); err != nil {
		return state{}, fmt.Errorf("%s: %w", m.statePath(), err)
	}
	if m.uid != "" && s.Pod != m.uid {
		s.Role, s.Source = roleStopped, ""
		s.Writable, s.ReplRunning = false, false
	}
	return s, nil
}

// save writes the state atomically, so a reader never sees half of it.
func (m member) save(s state) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp := m.statePath() + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, m.statePath())
}

// update runs f on the state under the member's lock and saves the result.
func (m member) update(f func(*state) error) (state, error) {
	unlock, err := m.lock()
	if err != nil {
		return state{}, err
	}
	defer unlock()
	s, err := m.load()
	if err != nil {
		return state{}, err
	}
	if err := f(&s); err != nil {
		return s, err
	}
	return s, m.save(s)
}

func (m member) lock() (func(), error) {
	f, err := os.OpenFile(filepath.Join(m.dir, ".tabletsim.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		_ = f.Close()
	}, nil
}

// has reports whether a marker file is present and applies to this pod: an
// empty marker applies to any pod, one holding a UID only to that pod.
func (m member) has(marker string) bool {
	data, err := os.ReadFile(filepath.Join(m.dir, marker))
	if err != nil {
		return false
	}
	owner := strings.TrimSpace(string(data))
	return owner == "" || m.uid == "" || owner == m.uid
}
