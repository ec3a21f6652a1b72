package main

import (
	"context"
	"fmt"
	"io"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
)

// client reaches the cluster the kubeconfig names, in one namespace.
type client struct {
	kube      kubernetes.Interface
	vitess    versioned.Interface
	exec      dataplane.Executor
	namespace string
}

// connect loads the kubeconfig as kubectl does (KUBECONFIG, ~/.kube/config,
// the flags) and picks the namespace: the flag's, else the context's.
func connect(g globalFlags) (*client, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if g.kubeconfig != "" {
		rules.ExplicitPath = g.kubeconfig
	}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: g.context}
	if g.namespace != "" {
		overrides.Context.Namespace = g.namespace
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig: %w", err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, fmt.Errorf("reading the namespace: %w", err)
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	vt, err := versioned.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &client{kube: kube, vitess: vt, exec: dataplane.NewPodExecutor(cfg, kube), namespace: ns}, nil
}

// dispatch runs the parsed command; the code is the exit code to use.
func (c *client) dispatch(ctx context.Context, inv invocation, stdout, stderr io.Writer) (int, error) {
	switch inv.command {
	case "status":
		return 0, c.status(ctx, inv.target, inv.positions, stdout)
	case "switchover":
		return 0, c.switchover(ctx, inv.target, inv.to, stdout)
	case "pause", "resume":
		return 0, c.setPaused(ctx, inv.target, inv.command == "pause", stdout)
	case "vtctldclient":
		return c.vtctldclient(ctx, inv.target, inv.rest, stdout, stderr)
	}
	return 2, fmt.Errorf("unknown command %q", inv.command)
}
