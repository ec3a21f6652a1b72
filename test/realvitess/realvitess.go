package realvitess

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
	"github.com/vitess-operator/vitess-operator/test/scenarios"
)

// EnvBin names the directory of the binaries hack/real-vitess.sh builds:
// etcd, vtctld, vttablet, mysqlctld, vtctldclient, and init_db.sql.
const EnvBin = "REAL_VITESS_BIN"

// EnvKeep names a variable that, when set, keeps the tier's directory (data
// and logs) after the test.
const EnvKeep = "REAL_VITESS_KEEP"

// Names the substrate renders its cluster under.
const (
	clusterName = "rv"
	namespace   = "realvitess"
)

// Substrate is one shard on real Vitess. It implements scenarios.Substrate.
type Substrate struct {
	t   testing.TB
	cfg scenarios.Config
	bin string
	dir string
	acc account

	etcd, vtctld *proc
	etcdAddr     string
	vtctldAddr   string // gRPC, what vtctldclient is given
	vtctldWeb    int
	// The vtctld pod, as the executor runs commands in it.
	vtctldPod, vtctldHome string
	vtctldEnv             []string

	shard   *v1alpha1.VitessShard
	tablets []*tablet
	byName  map[string]*tablet // by alias and by pod name
	ports   portSet
	// launched is when New launched the tablets.
	launched time.Time
	// secrets are the data of the Secrets WithSecret gave, and of the
	// credentials Secret the tier generates, by name.
	secretsMu sync.Mutex
	secrets   map[string]map[string]string
	// noCredentials renders the shard without a credentials Secret
	// (WithoutMySQLCredentials).
	noCredentials bool

	closeOnce sync.Once
}

var _ scenarios.Substrate = (*Substrate)(nil)

// Option adjusts the tier New brings up.
type Option func(*Substrate)

// WithSecret gives the tier the data of a Secret of the cluster's
// namespace, as the kubelet gives it: a container's environment variable
// from a secretKeyRef to it takes the value under its key, and a pod's
// volume of it is a directory of the tablet's holding each key as a file,
// which its mounts name. The values go into the processes' environments and
// those files only: the tier logs command lines, never environments, and
// no error names a value.
func WithSecret(name string, data map[string]string) Option {
	return func(s *Substrate) { s.setSecret(name, data) }
}

// New brings up etcd, vtctld, the cell and the keyspace, and starts every
// tablet of cfg, returning when each is launched (WaitAll waits until they
// serve). No tablet is primary: the scenarios seed the shard through the
// driver. With cfg.Backup on a volume, every tablet and vtctld mount one
// host directory of the tier as the store's claim. Everything is stopped
// and removed when the test ends. It skips the test unless REAL_VITESS_BIN
// is set.
func New(t testing.TB, cfg scenarios.Config, opts ...Option) *Substrate {
	t.Helper()
	bin := os.Getenv(EnvBin)
	if bin == "" {
		t.Skipf("real Vitess is not set up: run hack/real-vitess.sh, then set %s=$PWD/_output/real-vitess/bin "+
			"(it installs MariaDB and builds patched Vitess v24 binaries)", EnvBin)
	}
	bin, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"etcd", "vtctld", "vttablet", "mysqlctld", "vtctldclient", initDBFile} {
		if _, err := os.Stat(filepath.Join(bin, f)); err != nil {
			t.Fatalf("%s=%s lacks %s: run hack/real-vitess.sh (%v)", EnvBin, bin, f, err)
		}
	}
	for _, f := range []string{"mysqld", "mysql"} {
		if _, err := lookHost(f); err != nil {
			t.Fatalf("%s not found on the host: run hack/real-vitess.sh, which installs MariaDB (%v)", f, err)
		}
	}
	if cfg.Cell == "" || cfg.Cell == v1alpha1.GlobalCellName || cfg.Keyspace == "" || cfg.Shard == "" || cfg.Replicas < 1 {
		t.Fatalf("realvitess: config %+v needs a cell other than global, a keyspace, a shard and a replica", cfg)
	}
	startReaper()
	acc, err := lookupAccount()
	if err != nil {
		t.Fatal(err)
	}
	if err := acc.canReach(filepath.Join(bin, "vttablet")); err != nil {
		t.Fatal(err)
	}
	sweepStale(os.TempDir())
	// A short path: mysqld's socket lives under it and a Unix socket path
	// holds at most 107 bytes. Not t.TempDir: its parents are private to
	// the test's user and the daemons run as another.
	dir, err := os.MkdirTemp("", "rv-")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeOwner(dir); err != nil {
		t.Fatal(err)
	}
	s := &Substrate{t: t, cfg: cfg, bin: bin, dir: dir, acc: acc, byName: map[string]*tablet{}}
	for _, o := range opts {
		o(s)
	}
	t.Cleanup(s.Close)
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := acc.mkdirs(dir, s.logDir()); err != nil {
		t.Fatal(err)
	}
	if cfg.Backup != nil && cfg.Backup.Location.Volume != nil {
		if err := acc.mkdirs(s.backupDir()); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.makePodBin(); err != nil {
		t.Fatal(err)
	}
	if err := s.writeMariadbCnf(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := s.up(ctx); err != nil {
		t.Fatalf("realvitess: %v (logs in %s)", err, s.logDir())
	}
	return s
}

func (s *Substrate) logDir() string { return filepath.Join(s.dir, "logs") }

// backupDir stands in for the claim of a volume backup store, which the
// pods mount at /vt/backups.
func (s *Substrate) backupDir() string { return filepath.Join(s.dir, "backups") }

// render makes the VitessCluster of the config: a global cell holding the
// topology and vtctld, the tablets' cell, and one keyspace with one shard.
func (s *Substrate) render() (vitess.Children, error) {
	shard := v1alpha1.ShardSpec{Name: s.cfg.Shard}
	if start, end, ok := strings.Cut(s.cfg.Shard, "-"); ok {
		shard = v1alpha1.ShardSpec{KeyRange: &v1alpha1.KeyRange{Start: start, End: end}}
	}
	tablets := v1alpha1.TabletsSpec{MasterEligible: &v1alpha1.TabletPool{Replicas: int32(s.cfg.Replicas), MyCnf: s.cfg.MyCnf}}
	if s.cfg.Rdonly > 0 {
		tablets.Batch = &v1alpha1.TabletPool{Replicas: int32(s.cfg.Rdonly)}
	}
	vc := &v1alpha1.VitessCluster{
		ObjectMeta: metav1.ObjectMeta{Name: clusterName, Namespace: namespace},
		Spec: v1alpha1.VitessClusterSpec{
			Cells: []v1alpha1.CellSpec{
				{Name: v1alpha1.GlobalCellName, Etcd: &v1alpha1.EtcdSpec{Size: 1}, Vtctld: &v1alpha1.ComponentSpec{Replicas: 1}},
				{Name: s.cfg.Cell},
			},
			Keyspaces: []v1alpha1.KeyspaceSpec{{Name: s.cfg.Keyspace, Cells: []string{s.cfg.Cell},
				Shards: []v1alpha1.ShardSpec{shard}, Tablets: tablets, DurabilityPolicy: s.cfg.Durability}},
			Backup: s.cfg.Backup.DeepCopy(),
		},
	}
	return vitess.Render(vc)
}

// up brings up the whole tier.
func (s *Substrate) up(ctx context.Context) error {
	ch, err := s.render()
	if err != nil {
		return fmt.Errorf("rendering: %w", err)
	}
	var global, cell *v1alpha1.VitessCell
	for _, c := range ch.Cells {
		switch c.Spec.Name {
		case v1alpha1.GlobalCellName:
			global = c
		case s.cfg.Cell:
			cell = c
		}
	}
	if global == nil || cell == nil || len(ch.Keyspaces) != 1 {
		return fmt.Errorf("rendering gave cells %d and keyspaces %d, not global, %s and %s", len(ch.Cells), len(ch.Keyspaces), s.cfg.Cell, s.cfg.Keyspace)
	}
	ks := ch.Keyspaces[0]
	for _, sh := range ch.Shards[ks.Name] {
		if sh.Spec.Name == s.cfg.Shard {
			s.shard = sh
		}
	}
	if s.shard == nil {
		return fmt.Errorf("rendering gave no shard %s of keyspace %s", s.cfg.Shard, s.cfg.Keyspace)
	}
	s.shard.Namespace = namespace
	if err := s.shardCredentials(); err != nil {
		return err
	}

	if err := s.startEtcd(ctx); err != nil {
		return err
	}
	if err := s.startVtctld(ctx, global); err != nil {
		return err
	}
	// The cell and the keyspace, with the commands the operator runs, the
	// lockserver address being the local etcd.
	cmd, args := vitess.AddCellInfoCommand(cell)
	args = setFlag(args, "server-address", s.etcdAddr)
	if err := s.vtctldclient(ctx, cmd, args...); err != nil {
		return err
	}
	// The keyspace's durability policy is the config's, or the operator's
	// default for the shape when the config names none.
	cmd, args = vitess.CreateKeyspaceCommand(ks)
	if err := s.vtctldclient(ctx, cmd, args...); err != nil {
		return err
	}

	if err := s.makeTablets(); err != nil {
		return err
	}
	// The tablets are launched, not waited for: a first start initialises
	// mysqld's data directory for seconds, which scenarios probe.
	for _, tb := range s.tablets {
		if err := s.StartTablet(ctx, tb.alias); err != nil {
			return err
		}
	}
	s.launched = time.Now()
	s.t.Logf("realvitess: %d tablets of %s/%s launched (tier in %s)", len(s.tablets), s.cfg.Keyspace, s.cfg.Shard, s.dir)
	return nil
}

// WaitAll waits until every tablet serves, and logs how long after their
// launch that was.
func (s *Substrate) WaitAll(ctx context.Context) error {
	errs := make(chan error, len(s.tablets))
	for _, tb := range s.tablets {
		go func() { errs <- s.WaitServing(ctx, tb.alias) }()
	}
	for range s.tablets {
		if err := <-errs; err != nil {
			return err
		}
	}
	s.t.Logf("realvitess: %d tablets serving %v after their launch", len(s.tablets), time.Since(s.launched).Round(time.Millisecond))
	return nil
}
