package vitess

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// appliers create or update the objects the Vitess reconcilers make, reading
// through the informers' listers.
type appliers struct {
	deployments  k8s.Applier[*appsv1.Deployment]
	statefulSets k8s.Applier[*appsv1.StatefulSet]
	pdbs         k8s.Applier[*policyv1.PodDisruptionBudget]
	cells        k8s.Applier[*v1alpha1.VitessCell]
	keyspaces    k8s.Applier[*v1alpha1.VitessKeyspace]
	shards       k8s.Applier[*v1alpha1.VitessShard]
}

// mergeMeta copies the labels and owner references of want onto a copy of have's.
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

func newAppliers(inf *controller.Informers, kube kubernetes.Interface, client versioned.Interface) appliers {
	apps := inf.Kube.Apps().V1()
	pol := inf.Kube.Policy().V1()
	vt := inf.Vitess.Vitess().V1alpha1()
	up := metav1.UpdateOptions{}
	cr := metav1.CreateOptions{}
	return appliers{
		deployments: k8s.Applier[*appsv1.Deployment]{
			Get: func(ns, n string) (*appsv1.Deployment, error) {
				return apps.Deployments().Lister().Deployments(ns).Get(n)
			},
			Create: func(ctx context.Context, o *appsv1.Deployment) (*appsv1.Deployment, error) {
				return kube.AppsV1().Deployments(o.Namespace).Create(ctx, o, cr)
			},
			Update: func(ctx context.Context, o *appsv1.Deployment) (*appsv1.Deployment, error) {
				return kube.AppsV1().Deployments(o.Namespace).Update(ctx, o, up)
			},
			Merge: func(have, want *appsv1.Deployment) *appsv1.Deployment {
				u := have.DeepCopy()
				mergeMeta(u, want)
				u.Spec.Replicas, u.Spec.Template = want.Spec.Replicas, want.Spec.Template
				return u
			},
		},
		statefulSets: k8s.Applier[*appsv1.StatefulSet]{
			Get: func(ns, n string) (*appsv1.StatefulSet, error) {
				return apps.StatefulSets().Lister().StatefulSets(ns).Get(n)
			},
			Create: func(ctx context.Context, o *appsv1.StatefulSet) (*appsv1.StatefulSet, error) {
				return kube.AppsV1().StatefulSets(o.Namespace).Create(ctx, o, cr)
			},
			Update: func(ctx context.Context, o *appsv1.StatefulSet) (*appsv1.StatefulSet, error) {
				return kube.AppsV1().StatefulSets(o.Namespace).Update(ctx, o, up)
			},
			// Only the template is updated: the size of a statically
			// bootstrapped etcd and its claims cannot change in place.
			Merge: func(have, want *appsv1.StatefulSet) *appsv1.StatefulSet {
				u := have.DeepCopy()
				mergeMeta(u, want)
				u.Spec.Template = want.Spec.Template
				return u
			},
		},
		pdbs: k8s.Applier[*policyv1.PodDisruptionBudget]{
			Get: func(ns, n string) (*policyv1.PodDisruptionBudget, error) {
				return pol.PodDisruptionBudgets().Lister().PodDisruptionBudgets(ns).Get(n)
			},
			Create: func(ctx context.Context, o *policyv1.PodDisruptionBudget) (*policyv1.PodDisruptionBudget, error) {
				return kube.PolicyV1().PodDisruptionBudgets(o.Namespace).Create(ctx, o, cr)
			},
			Update: func(ctx context.Context, o *policyv1.PodDisruptionBudget) (*policyv1.PodDisruptionBudget, error) {
				return kube.PolicyV1().PodDisruptionBudgets(o.Namespace).Update(ctx, o, up)
			},
			Merge: func(have, want *policyv1.PodDisruptionBudget) *policyv1.PodDisruptionBudget {
				u := have.DeepCopy()
				mergeMeta(u, want)
				u.Spec = want.Spec
				return u
			},
		},
		cells: k8s.Applier[*v1alpha1.VitessCell]{
			Get: func(ns, n string) (*v1alpha1.VitessCell, error) {
				return vt.VitessCells().Lister().VitessCells(ns).Get(n)
			},
			Create: func(ctx context.Context, o *v1alpha1.VitessCell) (*v1alpha1.VitessCell, error) {
				return client.VitessV1alpha1().VitessCells(o.Namespace).Create(ctx, o, cr)
			},
			Update: func(ctx context.Context, o *v1alpha1.VitessCell) (*v1alpha1.VitessCell, error) {
				return client.VitessV1alpha1().VitessCells(o.Namespace).Update(ctx, o, up)
			},
			Merge: func(have, want *v1alpha1.VitessCell) *v1alpha1.VitessCell {
				u := have.DeepCopy()
				mergeMeta(u, want)
				u.Spec = want.Spec
				return u
			},
		},
		keyspaces: k8s.Applier[*v1alpha1.VitessKeyspace]{
			Get: func(ns, n string) (*v1alpha1.VitessKeyspace, error) {
				return vt.VitessKeyspaces().Lister().VitessKeyspaces(ns).Get(n)
			},
			Create: func(ctx context.Context, o *v1alpha1.VitessKeyspace) (*v1alpha1.VitessKeyspace, error) {
				return client.VitessV1alpha1().VitessKeyspaces(o.Namespace).Create(ctx, o, cr)
			},
			Update: func(ctx context.Context, o *v1alpha1.VitessKeyspace) (*v1alpha1.VitessKeyspace, error) {
				return client.VitessV1alpha1().VitessKeyspaces(o.Namespace).Update(ctx, o, up)
			},
			Merge: func(have, want *v1alpha1.VitessKeyspace) *v1alpha1.VitessKeyspace {
				u := have.DeepCopy()
				mergeMeta(u, want)
				u.Spec = want.Spec
				return u
			},
		},
		shards: k8s.Applier[*v1alpha1.VitessShard]{
			Get: func(ns, n string) (*v1alpha1.VitessShard, error) {
				return vt.VitessShards().Lister().VitessShards(ns).Get(n)
			},
			Create: func(ctx context.Context, o *v1alpha1.VitessShard) (*v1alpha1.VitessShard, error) {
				return client.VitessV1alpha1().VitessShards(o.Namespace).Create(ctx, o, cr)
			},
			Update: func(ctx context.Context, o *v1alpha1.VitessShard) (*v1alpha1.VitessShard, error) {
				return client.VitessV1alpha1().VitessShards(o.Namespace).Update(ctx, o, up)
			},
			// The spec is replaced, but annotations users put on a shard (a
			// switchover request) stay.
			Merge: func(have, want *v1alpha1.VitessShard) *v1alpha1.VitessShard {
				u := have.DeepCopy()
				mergeMeta(u, want)
				u.Spec = want.Spec
				return u
			},
		},
	}
}
