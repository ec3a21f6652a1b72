package vitess

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// fakeStore answers the vtctldclient backup commands from a list of names.
type fakeStore struct {
	mu      sync.Mutex
	names   []string
	calls   []string
	failing bool
	backups chan struct{} // a Backup waits on it when non-nil
}

func (f *fakeStore) Exec(_ context.Context, _ dataplane.Target, argv []string) (dataplane.Result, error) {
	cmd := ""
	for _, a := range argv[1:] {
		if !strings.HasPrefix(a, "--") {
			cmd = a
			break
		}
	}
	f.mu.Lock()
	f.calls = append(f.calls, cmd)
	f.mu.Unlock()
	switch cmd {
	case "GetBackups":
		f.mu.Lock()
		defer f.mu.Unlock()
		var items []string
		for _, n := range f.names {
			items = append(items, `{"name":"`+n+`"}`)
		}
		return dataplane.Result{Stdout: `{"backups":[` + strings.Join(items, ",") + `]}`}, nil
	case "Backup":
		if f.backups != nil {
			<-f.backups
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.failing {
			return dataplane.Result{ExitCode: 1, Stderr: "rpc error: backup failed"}, nil
		}
		f.names = append(f.names, time.Now().UTC().Format(backupTimeFormat)+"."+argv[len(argv)-1])
		return dataplane.Result{}, nil
	case "RemoveBackup":
		f.mu.Lock()
		defer f.mu.Unlock()
		name := argv[len(argv)-1]
		var kept []string
		for _, n := range f.names {
			if n != name {
				kept = append(kept, n)
			}
		}
		f.names = kept
		return dataplane.Result{}, nil
	}
	return dataplane.Result{ExitCode: 2}, nil
}

func (f *fakeStore) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// readyBackupShard is a Ready shard with backups, whose status names a
// primary and its ready replicas.
func readyBackupShard() *v1alpha1.VitessShard {
	s := testShard()
	s.Spec.Backup = &v1alpha1.BackupSpec{Retention: new(int32(2)), Engine: "builtin",
		Location: v1alpha1.BackupLocation{Path: "vitess", Volume: &v1alpha1.BackupVolume{ClaimName: "vitess-backup"}}}
	s.Status.Phase = common.PhaseReady
	for i, t := range Tablets(s) {
		pod := TabletPodName(s.Spec.Cluster, t.Cell, t.UID)
		if i == 0 {
			s.Status.Members.Primary = []string{pod}
		}
		s.Status.Members.Ready = append(s.Status.Members.Ready, pod)
	}
	return s
}

func backupsWith(t *testing.T, store *fakeStore) (*backups, *record.FakeRecorder) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	require.NoError(t, idx.Add(vtctldPodNamed("vitess-vtctld-0", corev1.PodRunning, false)))
	rec := record.NewFakeRecorder(20)
	return newBackups(store, corelisters.NewPodLister(idx), rec), rec
}

// TestBackupPassListsThenTakesTheFirstBackup proves a shard with no backup
// gets one in the pass that first lists its store, on an rdonly tablet; the
// tablet is busy meanwhile; its end lists again and shows it in status.
func TestBackupPassListsThenTakesTheFirstBackup(t *testing.T) {
	store := &fakeStore{backups: make(chan struct{})}
	b, rec := backupsWith(t, store)
	s := readyBackupShard()
	st, busy, _ := b.pass(context.Background(), s, true)
	require.Len(t, busy, 1, "listed, then a backup started in the same pass")
	// The backup runs in its own goroutine.
	require.Eventually(t, func() bool { return len(store.commands()) == 2 }, 5*time.Second, 10*time.Millisecond)
	assert.Equal(t, []string{"GetBackups", "Backup"}, store.commands())
	for uid := range busy {
		assert.Equal(t, PoolBatch, tabletPool(s, uid), "the rdonly tablet is backed up")
	}
	assert.NotEmpty(t, st.InProgress)

	store.backups <- struct{}{}
	require.Eventually(t, func() bool { _, busy, _ := b.pass(context.Background(), s, false); return busy == nil },
		5*time.Second, 10*time.Millisecond)
	st, _, _ = b.pass(context.Background(), s, true)
	assert.Equal(t, int32(1), st.Count, "listed again after the backup")
	assert.NotEmpty(t, st.Latest)
	assert.Empty(t, st.InProgress)
	events := strings.Join(drain(rec), "\n")
	assert.Contains(t, events, "BackupStarted")
	assert.Contains(t, events, "BackupCompleted")
}

// TestBackupPassPrunesAndRetriesAfterAFailure proves retention removes the
// oldest backups, and a failed backup is reported and not retried at once.
func TestBackupPassPrunesAndRetriesAfterAFailure(t *testing.T) {
	store := &fakeStore{names: []string{"2026-12-01.030000.zone1-1", "2026-12-02.030000.zone1-1", "2026-12-03.030000.zone1-1"}}
	b, _ := backupsWith(t, store)
	s := readyBackupShard()
	st, _, _ := b.pass(context.Background(), s, true)
	assert.Equal(t, []string{"GetBackups", "RemoveBackup"}, store.commands())
	assert.Equal(t, int32(2), st.Count)
	assert.Equal(t, "2026-12-03.030000.zone1-1", st.Latest)

	store.names, store.failing = nil, true
	b2, rec := backupsWith(t, store)
	b2.pass(context.Background(), s, true)
	require.Eventually(t, func() bool {
		st, busy, _ := b2.pass(context.Background(), s, true)
		return busy == nil && strings.Contains(st.LastError, "backup failed")
	}, 5*time.Second, 10*time.Millisecond)
	calls := len(store.commands())
	b2.pass(context.Background(), s, true)
	assert.Equal(t, calls, len(store.commands()), "no retry within a minute of the failure")
	assert.Contains(t, strings.Join(drain(rec), "\n"), "BackupFailed")
}

// TestBackupPassDoesNothingUnlessActing proves a paused or refused shard
// reports and asks vtctld nothing.
func TestBackupPassDoesNothingUnlessActing(t *testing.T) {
	store := &fakeStore{}
	b, _ := backupsWith(t, store)
	st, busy, _ := b.pass(context.Background(), readyBackupShard(), false)
	assert.Empty(t, store.commands())
	assert.Nil(t, busy)
	assert.NotNil(t, st)
}

// tabletPool is the pool of the shard's tablet uid.
func tabletPool(s *v1alpha1.VitessShard, uid int) string {
	for _, t := range Tablets(s) {
		if int(t.UID) == uid {
			return t.Pool
		}
	}
	return ""
}
