package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// eventsPerShard is how many of a shard's latest Events the tree shows.
const eventsPerShard = 3

// status prints every cluster of the namespace, or the one named, as a
// tree, with the tablets' replication positions unless mode is off.
func (c *client) status(ctx context.Context, name, mode string, out io.Writer) error {
	if mode == "" {
		mode = positionsShort
	}
	var clusters []v1alpha1.VitessCluster
	if name != "" {
		vc, err := c.vitess.VitessV1alpha1().VitessClusters(c.namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		clusters = append(clusters, *vc)
	} else {
		list, err := c.vitess.VitessV1alpha1().VitessClusters(c.namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		clusters = list.Items
	}
	if len(clusters) == 0 {
		return fmt.Errorf("no VitessCluster in namespace %s", c.namespace)
	}
	events, err := c.kube.CoreV1().Events(c.namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=VitessShard"})
	if err != nil {
		return fmt.Errorf("listing events: %w", err)
	}
	for i := range clusters {
		v, err := c.view(ctx, &clusters[i], events.Items)
		if err != nil {
			return err
		}
		v.positionsMode = mode
		if mode != positionsOff {
			v.positions, v.positionsErr = c.positions(ctx, v.cluster.Name, v.shards)
		}
		renderTree(out, v, time.Now())
	}
	return nil
}

// view gathers one cluster's shards, tablet pods and latest shard Events.
func (c *client) view(ctx context.Context, vc *v1alpha1.VitessCluster, events []corev1.Event) (clusterView, error) {
	sel := labels.SelectorFromSet(map[string]string{vitess.LabelCluster: vc.Name}).String()
	shards, err := c.vitess.VitessV1alpha1().VitessShards(c.namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return clusterView{}, fmt.Errorf("listing the shards of %s: %w", vc.Name, err)
	}
	pods, err := c.kube.CoreV1().Pods(c.namespace).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return clusterView{}, fmt.Errorf("listing the pods of %s: %w", vc.Name, err)
	}
	v := clusterView{cluster: vc, tablets: map[string][]tabletRow{}, events: map[string][]corev1.Event{}}
	for i := range shards.Items {
		s := &shards.Items[i]
		v.shards = append(v.shards, s)
		v.tablets[s.Name] = tabletsOf(s, pods.Items)
		v.events[s.Name] = latestEvents(events, s.Name, eventsPerShard)
	}
	return v, nil
}

// latestEvents are the n latest Events of the named shard, oldest first.
func latestEvents(events []corev1.Event, shard string, n int) []corev1.Event {
	var mine []corev1.Event
	for _, e := range events {
		if e.InvolvedObject.Name == shard {
			mine = append(mine, e)
		}
	}
	sort.SliceStable(mine, func(i, j int) bool { return eventTime(mine[i]).Before(eventTime(mine[j])) })
	if len(mine) > n {
		mine = mine[len(mine)-n:]
	}
	return mine
}
