package controller

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
)

// StatusObject is an object with the common status fields.
type StatusObject interface {
	metav1.Object
	runtime.Object
	CommonStatus() *common.ObjectStatus
}

// statusAccess reads an object from a lister and writes its status subresource.
type statusAccess[T StatusObject] struct {
	get    func(namespace, name string) (T, error)
	update func(ctx context.Context, obj T) (T, error)
}

// observedGenerationRecorder is the pass of a kind whose mechanism is not
// built yet: it records that the operator has seen the object's current spec
// by setting status.observedGeneration, and writes nothing when it is current.
func observedGenerationRecorder[T StatusObject](a statusAccess[T]) Reconciler {
	return ReconcilerFunc(func(ctx context.Context, key Key) (Result, error) {
		obj, err := a.get(key.Namespace, key.Name)
		if apierrors.IsNotFound(err) {
			return Result{}, nil
		} else if err != nil {
			return Result{}, fmt.Errorf("reading %s: %w", key, err)
		}
		if obj.CommonStatus().ObservedGeneration == obj.GetGeneration() {
			return Result{}, nil
		}
		upd, ok := obj.DeepCopyObject().(T)
		if !ok {
			return Result{}, fmt.Errorf("copying %s: unexpected type %T", key, obj.DeepCopyObject())
		}
		upd.CommonStatus().ObservedGeneration = upd.GetGeneration()
		if _, err := a.update(ctx, upd); apierrors.IsConflict(err) {
			// The cache lags behind a write; the next pass sees the new version.
			return Result{Resync: 100 * time.Millisecond}, nil
		} else if err != nil {
			return Result{}, fmt.Errorf("recording observedGeneration of %s: %w", key, err)
		}
		return Result{}, nil
	})
}

// ObservedGenerationRecorders returns an observedGenerationRecorder for every
// managed kind, reading through inf and writing through client.
func ObservedGenerationRecorders(inf *Informers, client versioned.Interface) map[Kind]Reconciler {
	vt := inf.Vitess.Vitess().V1alpha1()
	rss := inf.Vitess.Clusterlabs().V1alpha1().ReplicatedStatefulSets().Lister()
	up := metav1.UpdateOptions{}
	return map[Kind]Reconciler{
		KindVitessCluster: observedGenerationRecorder(statusAccess[*vitessCluster]{
			get: func(ns, n string) (*vitessCluster, error) {
				return vt.VitessClusters().Lister().VitessClusters(ns).Get(n)
			},
			update: func(ctx context.Context, o *vitessCluster) (*vitessCluster, error) {
				return client.VitessV1alpha1().VitessClusters(o.Namespace).UpdateStatus(ctx, o, up)
			},
		}),
		KindVitessCell: observedGenerationRecorder(statusAccess[*vitessCell]{
			get: func(ns, n string) (*vitessCell, error) { return vt.VitessCells().Lister().VitessCells(ns).Get(n) },
			update: func(ctx context.Context, o *vitessCell) (*vitessCell, error) {
				return client.VitessV1alpha1().VitessCells(o.Namespace).UpdateStatus(ctx, o, up)
			},
		}),
		KindVitessKeyspace: observedGenerationRecorder(statusAccess[*vitessKeyspace]{
			get: func(ns, n string) (*vitessKeyspace, error) {
				return vt.VitessKeyspaces().Lister().VitessKeyspaces(ns).Get(n)
			},
			update: func(ctx context.Context, o *vitessKeyspace) (*vitessKeyspace, error) {
				return client.VitessV1alpha1().VitessKeyspaces(o.Namespace).UpdateStatus(ctx, o, up)
			},
		}),
		KindVitessShard: observedGenerationRecorder(statusAccess[*vitessShard]{
			get: func(ns, n string) (*vitessShard, error) { return vt.VitessShards().Lister().VitessShards(ns).Get(n) },
			update: func(ctx context.Context, o *vitessShard) (*vitessShard, error) {
				return client.VitessV1alpha1().VitessShards(o.Namespace).UpdateStatus(ctx, o, up)
			},
		}),
		KindReplicatedStatefulSet: observedGenerationRecorder(statusAccess[*replicatedStatefulSet]{
			get: func(ns, n string) (*replicatedStatefulSet, error) { return rss.ReplicatedStatefulSets(ns).Get(n) },
			update: func(ctx context.Context, o *replicatedStatefulSet) (*replicatedStatefulSet, error) {
				return client.ClusterlabsV1alpha1().ReplicatedStatefulSets(o.Namespace).UpdateStatus(ctx, o, up)
			},
		}),
	}
}
