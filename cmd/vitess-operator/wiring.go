package main

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
	vtscheme "github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned/scheme"
	"github.com/vitess-operator/vitess-operator/pkg/redact"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
	"github.com/vitess-operator/vitess-operator/pkg/rss"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// eventRecorder returns a recorder that writes Events into namespace, every
// message sanitized (pkg/redact), and a function that flushes and stops it.
func eventRecorder(ctx context.Context, kube kubernetes.Interface, namespace string) (record.EventRecorder, func(), error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, nil, err
	}
	if err := vtscheme.AddToScheme(scheme); err != nil {
		return nil, nil, err
	}
	b := record.NewBroadcaster(record.WithContext(ctx))
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: kube.CoreV1().Events(namespace)})
	rec := b.NewRecorder(scheme, corev1.EventSource{Component: "vitess-operator"})
	return redact.Recorder(rec, redact.New()), b.Shutdown, nil
}

// reconcilerDeps is what the reconcilers are built from.
type reconcilerDeps struct {
	informers *controller.Informers
	kube      kubernetes.Interface
	client    versioned.Interface
	exec      dataplane.Executor
	recorder  record.EventRecorder
	registry  prometheus.Registerer
	log       *logrus.Logger
	// serviceAccount is the operator's own ServiceAccount.
	serviceAccount string
}

// registrations returns every managed kind, each registered by its package:
// the replication engine runs ReplicatedStatefulSets and VitessShards, the
// Vitess reconcilers clusters, cells and keyspaces.
func registrations(d reconcilerDeps) ([]controller.Registration, error) {
	metrics, err := replication.NewMetrics(d.registry)
	if err != nil {
		return nil, fmt.Errorf("registering engine metrics: %w", err)
	}
	core := d.informers.Kube.Core().V1()
	podIndex := core.Pods().Informer()
	if err := podIndex.AddIndexers(replication.PodIndexers()); err != nil {
		return nil, fmt.Errorf("indexing pods by set: %w", err)
	}
	engine := replication.NewEngine(replication.Config{
		Kube:     d.kube,
		Pods:     replication.NewSetPods(podIndex.GetIndexer()),
		Claims:   core.PersistentVolumeClaims().Lister(),
		Services: core.Services().Lister(),
		Recorder: d.recorder,
		Metrics:  metrics,
		Log:      d.log,
	})
	vd := vitess.Deps{Informers: d.informers, Kube: d.kube, Client: d.client, Exec: d.exec, Recorder: d.recorder}
	return append(vitess.Registrations(vd, engine),
		rss.Registration(rss.Deps{Informers: d.informers, Client: d.client, Exec: d.exec, Recorder: d.recorder,
			ServiceAccount: d.serviceAccount}, engine)), nil
}
