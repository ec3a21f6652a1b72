package vitess

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// MaxConcurrentBackups bounds the backups the operator runs at once over
// all its shards: each holds a replica out of service (the builtin engine
// stops its mysqld) and loads the store, and a schedule shared by hundreds
// of shards must not take them all at the same minute.
const MaxConcurrentBackups = 4

// backups is the shard reconciler's backup mechanism: what it knows of each
// shard's store, the backups under way, and the slots they run in. A
// backup runs in a goroutine of its own, beside the shard's passes, since
// it takes minutes to hours; its end asks the shard for a pass.
type backups struct {
	exec     dataplane.Executor
	pods     corelisters.PodLister
	recorder record.EventRecorder
	slots    chan struct{}

	mu     sync.Mutex
	shards map[string]*shardBackupState
}

// shardBackupState is what the operator knows of one shard's backups.
type shardBackupState struct {
	listedAt time.Time
	listed   []dataplane.Backup
	running  string
	failedAt time.Time
	lastErr  string
}

func newBackups(exec dataplane.Executor, pods corelisters.PodLister, recorder record.EventRecorder) *backups {
	return &backups{exec: exec, pods: pods, recorder: recorder, slots: make(chan struct{}, MaxConcurrentBackups),
		shards: map[string]*shardBackupState{}}
}

// state returns the shard's state; the caller holds b.mu.
func (b *backups) state(s *v1alpha1.VitessShard) *shardBackupState {
	key := s.Namespace + "/" + s.Name
	st, ok := b.shards[key]
	if !ok {
		st = &shardBackupState{}
		b.shards[key] = st
	}
	return st
}

// forget drops what is known of a deleted shard.
func (b *backups) forget(namespace, name string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.shards, namespace+"/"+name)
}

// pass runs one pass of a shard's backups: list, prune, start a backup.
// It returns the shard's backup status; the tablet being backed up, by
// UID, which the engine does not take for failed while its mysqld is down;
// and how soon the next scheduled backup is due (zero: none is).
func (b *backups) pass(ctx context.Context, s *v1alpha1.VitessShard, act bool) (*v1alpha1.ShardBackups, map[int]string, time.Duration) {
	if s.Spec.Backup == nil {
		return nil, nil, 0
	}
	now := time.Now()
	plan := decideBackup(b.view(s, now))
	// Two rounds at most: a listing, then what it shows is due (the first
	// backup of a shard that has none), without waiting for another pass.
	for round := 0; round < 2 && act && plan.needsIO(); round++ {
		if err := b.act(ctx, s, plan, now); err != nil {
			b.failed(s, err, now)
		}
		plan = decideBackup(b.view(s, now))
	}
	var due time.Duration
	if plan.next.After(now) {
		// A second late, so that the pass finds it due.
		due = plan.next.Sub(now) + time.Second
	}
	return b.status(s, plan), b.busy(s), due
}

// view reads the shard's backup view from memory and its status.
func (b *backups) view(s *v1alpha1.VitessShard, now time.Time) backupView {
	b.mu.Lock()
	st := *b.state(s)
	b.mu.Unlock()
	v := backupView{now: now, spec: s.Spec.Backup, listedAt: st.listedAt, backups: st.listed, running: st.running,
		failedAt: st.failedAt, ready: s.Status.Phase == common.PhaseReady}
	primaries := map[string]bool{}
	for _, p := range s.Status.Members.Primary {
		primaries[p] = true
	}
	byPod := map[string]Tablet{}
	tablets := Tablets(s)
	for _, t := range tablets {
		byPod[TabletPodName(s.Spec.Cluster, t.Cell, t.UID)] = t
	}
	v.singleTablet = len(tablets) == 1
	for _, pod := range s.Status.Members.Ready {
		t, ok := byPod[pod]
		switch {
		case !ok:
		case primaries[pod]:
			v.primary = TabletAlias(t.Cell, t.UID)
		default:
			v.candidates = append(v.candidates, backupTablet{alias: TabletAlias(t.Cell, t.UID), batch: t.Pool == PoolBatch})
		}
	}
	return v
}

// act carries out the I/O of a plan in the cluster's vtctld.
func (b *backups) act(ctx context.Context, s *v1alpha1.VitessShard, plan backupPlan, now time.Time) error {
	pod, err := vtctldPod(b.pods, s.Namespace, s.Spec.Cluster)
	if err != nil {
		return err
	}
	vtctld := dataplane.NewVtctld(b.exec, VtctldAddress(s.Spec.Cluster, s.Namespace), s.Namespace, pod.Name)
	if plan.list {
		listed, err := vtctld.GetBackups(ctx, s.Spec.Keyspace, s.Spec.Name)
		if err != nil {
			return err
		}
		b.update(s, func(st *shardBackupState) {
			st.listedAt, st.listed, st.failedAt, st.lastErr = now, listed, time.Time{}, ""
		})
		return nil // the next plan reads the listing
	}
	for _, name := range plan.remove {
		if err := vtctld.RemoveBackup(ctx, s.Spec.Keyspace, s.Spec.Name, name); err != nil {
			return fmt.Errorf("removing backup %s beyond the retention of %d: %w", name, *s.Spec.Backup.Retention, err)
		}
		b.update(s, func(st *shardBackupState) { st.listed = withoutBackup(st.listed, name) })
		b.recorder.Eventf(s, corev1.EventTypeNormal, "BackupRemoved", "removed backup %s: %d are kept", name, *s.Spec.Backup.Retention)
	}
	if plan.take != "" {
		b.start(ctx, s, vtctld, plan)
	}
	return nil
}

// start begins a backup in a goroutine when a slot is free.
func (b *backups) start(ctx context.Context, s *v1alpha1.VitessShard, vtctld dataplane.Vtctld, plan backupPlan) {
	select {
	case b.slots <- struct{}{}:
	default:
		return // every slot is taken; a pass after one frees tries again
	}
	b.update(s, func(st *shardBackupState) { st.running = plan.take })
	b.recorder.Eventf(s, corev1.EventTypeNormal, "BackupStarted", "backing up tablet %s", plan.take)
	wake := controller.Waker(ctx)
	go func() {
		defer func() { <-b.slots }()
		started := time.Now()
		err := vtctld.TakeBackup(ctx, plan.take, plan.onPrimary)
		b.update(s, func(st *shardBackupState) {
			st.running = ""
			if err != nil {
				st.failedAt, st.lastErr = time.Now(), fmt.Sprintf("backing up %s: %v", plan.take, err)
				return
			}
			st.listedAt, st.failedAt, st.lastErr = time.Time{}, time.Time{}, "" // list again: the new backup
		})
		if err != nil {
			b.recorder.Eventf(s, corev1.EventTypeWarning, "BackupFailed", "backing up tablet %s: %v", plan.take, err)
		} else {
			b.recorder.Eventf(s, corev1.EventTypeNormal, "BackupCompleted", "backed up tablet %s in %s",
				plan.take, time.Since(started).Round(time.Millisecond))
		}
		wake()
	}()
}

func (b *backups) update(s *v1alpha1.VitessShard, f func(st *shardBackupState)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b.state(s))
}

func (b *backups) failed(s *v1alpha1.VitessShard, err error, now time.Time) {
	b.update(s, func(st *shardBackupState) { st.failedAt, st.lastErr = now, err.Error() })
}

// busy is the tablet being backed up, by UID.
func (b *backups) busy(s *v1alpha1.VitessShard) map[int]string {
	b.mu.Lock()
	running := b.state(s).running
	b.mu.Unlock()
	for _, t := range Tablets(s) {
		if TabletAlias(t.Cell, t.UID) == running {
			return map[int]string{int(t.UID): "being backed up"}
		}
	}
	return nil
}

// status renders the shard's backup status.
func (b *backups) status(s *v1alpha1.VitessShard, plan backupPlan) *v1alpha1.ShardBackups {
	b.mu.Lock()
	st := *b.state(s)
	b.mu.Unlock()
	out := &v1alpha1.ShardBackups{Count: int32(len(st.listed)), InProgress: st.running, LastError: st.lastErr}
	if st.listedAt.IsZero() && s.Status.Backups != nil {
		// Not listed since the operator started: keep what the status said.
		prev := s.Status.Backups
		out.Count, out.Latest, out.LatestTime = prev.Count, prev.Latest, prev.LatestTime
	}
	if l := latestBackup(st.listed); l != nil {
		out.Latest, out.LatestTime = l.Name, &metav1.Time{Time: l.Time}
	}
	if !plan.next.IsZero() {
		out.NextScheduled = &metav1.Time{Time: plan.next.Truncate(time.Second)}
	}
	out.Waiting = plan.waiting
	return out
}

func withoutBackup(list []dataplane.Backup, name string) []dataplane.Backup {
	out := make([]dataplane.Backup, 0, len(list))
	for _, b := range list {
		if b.Name != name {
			out = append(out, b)
		}
	}
	return out
}
