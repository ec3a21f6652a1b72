package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/sirupsen/logrus"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/leaderelection"

	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
)

func main() {
	opts, err := parseOptions(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vitess-operator:", err)
		os.Exit(2)
	}
	log, err := newLogger(opts.logLevel, opts.logFormat, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vitess-operator:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, log); err != nil {
		log.WithError(err).Error("exiting")
		stop()
		os.Exit(1)
	}
	log.Info("stopped")
}

// restConfig loads the kubeconfig, or the in-cluster configuration when none
// is given, and raises client-go's default rate limits.
func restConfig(o *options) (*rest.Config, error) {
	var cfg *rest.Config
	var err error
	if o.kubeconfig != "" {
		cfg, err = clientcmd.BuildConfigFromFlags("", o.kubeconfig)
	} else {
		cfg, err = rest.InClusterConfig()
	}
	if err != nil {
		return nil, fmt.Errorf("loading the Kubernetes client configuration: %w", err)
	}
	cfg.QPS = float32(o.kubeAPIQPS)
	cfg.Burst = o.kubeAPIBurst
	cfg.UserAgent = "vitess-operator"
	return cfg, nil
}

// run serves the health and metrics endpoints and runs the controller while
// this process leads, until ctx ends.
func run(ctx context.Context, o *options, log *logrus.Logger) error {
	cfg, err := restConfig(o)
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics, err := controller.NewMetrics(reg)
	if err != nil {
		return fmt.Errorf("registering metrics: %w", err)
	}
	if err := registerClientMetrics(reg); err != nil {
		return fmt.Errorf("registering client metrics: %w", err)
	}
	// Every request is counted, and charged to the pass that made it.
	cfg.Wrap(metrics.CountRequests)
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating the Kubernetes client: %w", err)
	}
	client, err := versioned.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating the vitess-operator client: %w", err)
	}

	inf := controller.NewInformers(kube, client, o.namespace, 0)
	recorder, stopEvents, err := eventRecorder(ctx, kube, o.namespace)
	if err != nil {
		return err
	}
	defer stopEvents()
	kinds, err := registrations(reconcilerDeps{
		informers: inf,
		kube:      kube,
		client:    client,
		exec:      dataplane.Limited(dataplane.Counted(dataplane.NewPodExecutor(cfg, kube), metrics.CountExec), o.maxExecs),
		recorder:  recorder,
		registry:  reg,
		log:       log,

		serviceAccount: o.serviceAccount,
	})
	if err != nil {
		return err
	}
	ctrl := controller.New(controller.Config{
		Informers: inf,
		Kinds:     kinds,
		Resync:    o.resync,
		Metrics:   metrics,
		Log:       log,
	})
	l := &leader{
		opts:  o,
		kube:  kube,
		id:    identity(os.Getenv),
		log:   log,
		watch: leaderelection.NewLeaderHealthzAdaptor(2 * o.retryPeriod),
		stuck: func() { os.Exit(3) },
	}

	healthy := func() error { return l.watch.Check(nil) }
	ready := func() error {
		if o.leaderElect && !l.leading.Load() {
			return errors.New("not the leader")
		}
		if !ctrl.Ready() {
			return errors.New("caches not synced")
		}
		return nil
	}
	if err := serve(ctx, o.healthAddr, healthHandler(healthy, ready), log); err != nil {
		return fmt.Errorf("--health-addr: %w", err)
	}
	if o.metricsAddr != "" {
		if err := serve(ctx, o.metricsAddr, metricsHandler(reg, o.profiling), log); err != nil {
			return fmt.Errorf("--metrics-addr: %w", err)
		}
	}
	log.WithField("namespace", o.namespace).Info("vitess-operator starting")
	start := time.Now()
	defer func() { log.WithField("uptime", time.Since(start).Round(time.Second)).Info("shut down") }()
	if !o.leaderElect {
		return ctrl.Run(ctx)
	}
	return l.run(ctx, ctrl.Run)
}
