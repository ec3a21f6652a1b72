package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// samples are latencies of one kind, in the order measured.
type samples []time.Duration

// quantile is the q-quantile (0 to 1) by the nearest rank; zero when empty.
func (s samples) quantile(q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// latencies are the recovery measurements of one system.
type latencies struct {
	// Created is from a pod's deletion until its replacement exists.
	Created samples
	// Ready is from a pod's deletion until its replacement is Ready.
	Ready samples
	// Failover is from a primary's deletion until another primary is in
	// the shard's status (the operator only).
	Failover samples
}

// replace deletes pod ns/name and measures until a pod of that name with
// another UID exists, and until it is Ready.
func (b *bench) replace(ctx context.Context, ns, name string, l *latencies) error {
	old, err := b.cluster.Kube.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading pod %s: %w", name, err)
	}
	start := time.Now()
	if err := b.cluster.Kube.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("deleting pod %s: %w", name, err)
	}
	if _, err := framework.WaitForObject(ctx, b.cluster, ns, name, func(p *corev1.Pod) bool { return p.UID != old.UID }); err != nil {
		return fmt.Errorf("waiting for the replacement of %s: %w", name, err)
	}
	l.Created = append(l.Created, time.Since(start))
	if _, err := framework.WaitForObject(ctx, b.cluster, ns, name, func(p *corev1.Pod) bool {
		return p.UID != old.UID && podReady(p)
	}); err != nil {
		return fmt.Errorf("waiting for the replacement of %s to be Ready: %w", name, err)
	}
	l.Ready = append(l.Ready, time.Since(start))
	return nil
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// shardLatencies replaces n replica tablet pods and fails over m primaries,
// each time in the next shard of ns, waiting for the shard to be Ready
// again before it is used once more.
func (b *bench) shardLatencies(ctx context.Context, ns string, n, m int) (latencies, error) {
	var l latencies
	list, err := b.cluster.Client.VitessV1alpha1().VitessShards(ns).List(ctx, metav1.ListOptions{})
	if err != nil || len(list.Items) == 0 {
		return l, fmt.Errorf("listing the shards: %v (%d found)", err, len(list.Items))
	}
	names := make([]string, len(list.Items))
	for i, s := range list.Items {
		names[i] = s.Name
	}
	for i := range n + m {
		shard, err := b.readyShard(ctx, ns, names[i%len(names)])
		if err != nil {
			return l, err
		}
		primary := shard.Status.Members.Primary[0]
		if i < n {
			replica := ""
			for _, r := range shard.Status.Members.Ready {
				if r != primary {
					replica = r
					break
				}
			}
			if err := b.replace(ctx, ns, replica, &l); err != nil {
				return l, err
			}
			continue
		}
		d, err := b.failover(ctx, ns, shard.Name, primary)
		if err != nil {
			return l, err
		}
		l.Failover = append(l.Failover, d)
	}
	return l, nil
}

// readyShard waits until shard ns/name is Ready with one primary.
func (b *bench) readyShard(ctx context.Context, ns, name string) (*v1alpha1.VitessShard, error) {
	s, err := framework.WaitForObject(ctx, b.cluster, ns, name, func(s *v1alpha1.VitessShard) bool {
		return s.Status.Phase == common.PhaseReady && len(s.Status.Members.Primary) == 1 &&
			int(s.Status.ReadyReplicas) == tabletsPerShard
	})
	if err != nil {
		return nil, fmt.Errorf("waiting for shard %s to be Ready: %w", name, err)
	}
	return s, nil
}

// failover force-deletes the primary pod of shard ns/name, a primary lost
// at once as in a crash (a graceful deletion is a planned handover, see
// doc/design/drain.md), and measures until the shard's status names another
// primary.
func (b *bench) failover(ctx context.Context, ns, name, primary string) (time.Duration, error) {
	start := time.Now()
	if err := b.cluster.Kube.CoreV1().Pods(ns).Delete(ctx, primary, metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}); err != nil {
		return 0, fmt.Errorf("deleting primary %s: %w", primary, err)
	}
	_, err := framework.WaitForObject(ctx, b.cluster, ns, name, func(s *v1alpha1.VitessShard) bool {
		return len(s.Status.Members.Primary) == 1 && s.Status.Members.Primary[0] != primary
	})
	if err != nil {
		return 0, fmt.Errorf("waiting for a new primary of %s: %w", name, err)
	}
	return time.Since(start), nil
}

// statefulSetLatencies replaces n StatefulSet pods, each time of the next
// set, waiting for the set to be ready again before it is used once more.
func (b *bench) statefulSetLatencies(ctx context.Context, ns string, sets, n int) (latencies, error) {
	var l latencies
	for i := range n {
		set := statefulSet(i % sets).Name
		if _, err := framework.WaitForObject(ctx, b.cluster, ns, set, func(s *appsv1.StatefulSet) bool {
			return s.Status.ReadyReplicas == tabletsPerShard && s.Status.ObservedGeneration == s.Generation
		}); err != nil {
			return l, fmt.Errorf("waiting for StatefulSet %s: %w", set, err)
		}
		if err := b.replace(ctx, ns, fmt.Sprintf("%s-%d", set, (i/sets)%tabletsPerShard), &l); err != nil {
			return l, err
		}
	}
	return l, nil
}
