package controller

import (
	"context"
	"fmt"
	"time"

	kubeinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
	vtinformers "github.com/vitess-operator/vitess-operator/pkg/generated/informers/externalversions"
)

// Informers are the shared informer factories of the operator, both scoped
// to the one namespace it watches. Every read of the operator goes through
// their listers; nothing lists the API server in a loop.
type Informers struct {
	// Kube serves pods, claims, services, deployments, statefulsets, PDBs,
	// network policies and horizontal pod autoscalers.
	Kube kubeinformers.SharedInformerFactory
	// Vitess serves the vitess.io and clusterlabs.org objects.
	Vitess vtinformers.SharedInformerFactory
}

// NewInformers returns informer factories for namespace. resync is the
// informers' own resync period; zero turns it off, which is right when each
// object's goroutine has its own ticker.
func NewInformers(kube kubernetes.Interface, client versioned.Interface, namespace string, resync time.Duration) *Informers {
	return &Informers{
		Kube:   kubeinformers.NewSharedInformerFactoryWithOptions(kube, resync, kubeinformers.WithNamespace(namespace)),
		Vitess: vtinformers.NewSharedInformerFactoryWithOptions(client, resync, vtinformers.WithNamespace(namespace)),
	}
}

// owned returns the informers of the objects managed kinds own (pods,
// claims, services, deployments, statefulsets, PDBs, network policies,
// horizontal pod autoscalers); an event on one of them
// pokes its owner. The managed kinds' own informers come with their
// Registration.
func (i *Informers) owned() []cache.SharedIndexInformer {
	return []cache.SharedIndexInformer{
		i.Kube.Core().V1().Pods().Informer(),
		i.Kube.Core().V1().PersistentVolumeClaims().Informer(),
		i.Kube.Core().V1().Services().Informer(),
		i.Kube.Apps().V1().Deployments().Informer(),
		i.Kube.Apps().V1().StatefulSets().Informer(),
		i.Kube.Policy().V1().PodDisruptionBudgets().Informer(),
		i.Kube.Networking().V1().NetworkPolicies().Informer(),
		i.Kube.Autoscaling().V2().HorizontalPodAutoscalers().Informer(),
	}
}

// Start starts every informer registered so far.
func (i *Informers) Start(ctx context.Context) {
	i.Kube.Start(ctx.Done())
	i.Vitess.Start(ctx.Done())
}

// WaitForCacheSync blocks until every started informer has synced, or fails
// when ctx ends first.
func (i *Informers) WaitForCacheSync(ctx context.Context) error {
	for t, ok := range i.Kube.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("cache of %v did not sync", t)
		}
	}
	for t, ok := range i.Vitess.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("cache of %v did not sync", t)
		}
	}
	return nil
}

// Shutdown stops the informers and waits for their goroutines.
func (i *Informers) Shutdown() {
	i.Kube.Shutdown()
	i.Vitess.Shutdown()
}
