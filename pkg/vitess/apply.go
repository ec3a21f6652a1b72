package vitess

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// appliers create or update the objects the Vitess reconcilers make, reading
// through the informers' listers. Each is applierOf one kind; only what the
// operator owns of each kind differs.
type appliers struct {
	deployments  k8s.Applier[*appsv1.Deployment]
	statefulSets k8s.Applier[*appsv1.StatefulSet]
	pdbs         k8s.Applier[*policyv1.PodDisruptionBudget]
	netpols      k8s.Applier[*networkingv1.NetworkPolicy]
	hpas         k8s.Applier[*autoscalingv2.HorizontalPodAutoscaler]
	cells        k8s.Applier[*v1alpha1.VitessCell]
	keyspaces    k8s.Applier[*v1alpha1.VitessKeyspace]
	shards       k8s.Applier[*v1alpha1.VitessShard]
}

// newAppliers is the table of the kinds the reconcilers apply: for each, its
// namespaced lister, its namespaced typed client, and the fields of the
// desired object that replace the current one's. A child someone edited
// behind the operator's back is restored, with an Event saying who edited it.
func newAppliers(d Deps) appliers {
	inf, kube, client := d.Informers, d.Kube, d.Client
	restored := func(obj runtime.Object, editor string) {
		if d.Recorder != nil {
			d.Recorder.Eventf(obj, corev1.EventTypeWarning, "DriftCorrected",
				"the spec was edited by %s; it is restored from its owner: change the VitessCluster instead", editor)
		}
	}
	apps := inf.Kube.Apps().V1()
	pol := inf.Kube.Policy().V1()
	vt := inf.Vitess.Vitess().V1alpha1()
	// A cell's vtgate count is its autoscaler's while it has one
	// (autoscale.go): kept on update, and not restored when changed.
	cells := applierOf(vt.VitessCells().Lister().VitessCells, client.VitessV1alpha1().VitessCells, mergeCellSpec, restored)
	cells.Editor = cellSpecEditor
	return appliers{
		deployments: applierOf(apps.Deployments().Lister().Deployments, kube.AppsV1().Deployments,
			func(u, want *appsv1.Deployment) {
				u.Spec.Replicas, u.Spec.Template = want.Spec.Replicas, want.Spec.Template
			}, restored),
		// Only the template and what becomes of the claims are updated: the
		// size of a statically bootstrapped etcd and its claims cannot change
		// in place.
		statefulSets: applierOf(apps.StatefulSets().Lister().StatefulSets, kube.AppsV1().StatefulSets,
			func(u, want *appsv1.StatefulSet) {
				u.Spec.Template = want.Spec.Template
				u.Spec.PersistentVolumeClaimRetentionPolicy = want.Spec.PersistentVolumeClaimRetentionPolicy
			}, restored),
		pdbs: applierOf(pol.PodDisruptionBudgets().Lister().PodDisruptionBudgets, kube.PolicyV1().PodDisruptionBudgets,
			func(u, want *policyv1.PodDisruptionBudget) { u.Spec = want.Spec }, restored),
		netpols: applierOf(inf.Kube.Networking().V1().NetworkPolicies().Lister().NetworkPolicies, kube.NetworkingV1().NetworkPolicies,
			func(u, want *networkingv1.NetworkPolicy) { u.Spec = want.Spec }, restored),
		hpas: applierOf(inf.Kube.Autoscaling().V2().HorizontalPodAutoscalers().Lister().HorizontalPodAutoscalers,
			kube.AutoscalingV2().HorizontalPodAutoscalers,
			func(u, want *autoscalingv2.HorizontalPodAutoscaler) { u.Spec = want.Spec }, restored),
		cells: cells,
		keyspaces: applierOf(vt.VitessKeyspaces().Lister().VitessKeyspaces, client.VitessV1alpha1().VitessKeyspaces,
			func(u, want *v1alpha1.VitessKeyspace) { u.Spec = want.Spec }, restored),
		// The spec is replaced, but annotations users put on a shard (a
		// switchover request) stay: mergeMeta keeps the current annotations.
		// The generation stamp lets the shard's engine hold still while an
		// edit of its spec is not restored (ShardReconciler.blocked).
		shards: applierOf(vt.VitessShards().Lister().VitessShards, client.VitessV1alpha1().VitessShards,
			func(u, want *v1alpha1.VitessShard) { u.Spec = want.Spec }, restored).WithGenerationStamp(),
	}
}

// applied is an object the operator applies: one it can deep-copy.
type applied[T any] interface {
	k8s.Object
	DeepCopy() T
}

// getter is a namespaced lister of one kind.
type getter[T any] interface {
	Get(name string) (T, error)
}

// writer is a namespaced typed client of one kind, as far as applying goes.
type writer[T any] interface {
	Create(ctx context.Context, obj T, opts metav1.CreateOptions) (T, error)
	Update(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// applierOf is the applier of one kind: it reads through lister, writes
// through client, and merges by copying the desired labels and owner
// references (mergeMeta) and the fields owned copies onto a copy of the
// current object, keeping what others own (status, defaults, annotations).
func applierOf[T applied[T], G getter[T], W writer[T]](lister func(namespace string) G, client func(namespace string) W,
	owned func(u, want T), restored func(runtime.Object, string)) k8s.Applier[T] {
	return k8s.Applier[T]{
		OnDrift: func(obj T, editor string) {
			if o, ok := any(obj).(runtime.Object); ok {
				restored(o, editor)
			}
		},
		Get: func(ns, name string) (T, error) { return lister(ns).Get(name) },
		Create: func(ctx context.Context, obj T) (T, error) {
			return client(obj.GetNamespace()).Create(ctx, obj, metav1.CreateOptions{FieldManager: k8s.FieldManager})
		},
		Update: func(ctx context.Context, obj T) (T, error) {
			return client(obj.GetNamespace()).Update(ctx, obj, metav1.UpdateOptions{FieldManager: k8s.FieldManager})
		},
		Merge: func(have, want T) T {
			u := have.DeepCopy()
			mergeMeta(u, want)
			owned(u, want)
			return u
		},
	}.WithDriftMemory()
}

// mergeMeta copies the labels and owner references of want onto have.
func mergeMeta(have, want metav1.Object) {
	labels := have.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	for k, v := range want.GetLabels() {
		labels[k] = v
	}
	have.SetLabels(labels)
	have.SetOwnerReferences(want.GetOwnerReferences())
}
