package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/sirupsen/logrus"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "simhost:", err)
		os.Exit(1)
	}
}

func run() error {
	kubeconfig := flag.String("kubeconfig", "", "path to the kubeconfig of the local cluster")
	dataDir := flag.String("data-dir", "_output/simdata", "directory that holds the simulated volumes")
	healthFile := flag.String("health-file", "", "file written once the host has synced and serves")
	simDir := flag.String("sim-dir", "_output/sim", "directory of the simulators, first on the PATH of the preStop hooks it runs")
	flag.Parse()

	log := logrus.New()
	root, err := filepath.Abs(*dataDir)
	if err != nil {
		return fmt.Errorf("resolving --data-dir: %w", err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	h, kf, df := newHost(root, kube, dyn, log)
	h.simDir, err = filepath.Abs(*simDir)
	if err != nil {
		return fmt.Errorf("resolving --sim-dir: %w", err)
	}
	h.hooks = &preStops{run: h.runHookHere, done: map[string]hookRun{}}
	kf.Start(ctx.Done())
	df.Start(ctx.Done())
	for t, ok := range kf.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("cache of %v did not sync", t)
		}
	}
	for t, ok := range df.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return fmt.Errorf("cache of %v did not sync", t)
		}
	}
	if *healthFile != "" {
		if err := os.WriteFile(*healthFile, []byte("ok\n"), 0o644); err != nil {
			return fmt.Errorf("writing --health-file: %w", err)
		}
		defer os.Remove(*healthFile)
	}
	log.WithField("data-dir", root).Info("simulation host serving")
	h.run(ctx, 4)
	return nil
}
