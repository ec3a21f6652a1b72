package framework

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
)

const modulePath = "github.com/vitess-operator/vitess-operator"

// Cluster is a connection to the local control plane with the operator's
// CRDs installed.
type Cluster struct {
	// Root is the repository root.
	Root string
	// ClusterRoot is the repository whose _output holds the local cluster:
	// Root, or LOCAL_CLUSTER_ROOT when a second checkout (a git worktree)
	// runs its tests against a cluster that another one brought up.
	ClusterRoot string
	// Kubeconfig is the path of the local cluster's kubeconfig.
	Kubeconfig string
	// Config is the client configuration.
	Config *rest.Config
	// Kube is the Kubernetes clientset.
	Kube kubernetes.Interface
	// Client is the clientset of the operator's API groups.
	Client versioned.Interface
	// Dynamic is the dynamic client.
	Dynamic dynamic.Interface
	// APIExtensions is the clientset of CustomResourceDefinitions.
	APIExtensions apiextclient.Interface
	// Mapper maps kinds to resources through discovery.
	Mapper *restmapper.DeferredDiscoveryRESTMapper
	// OperatorBinary is the operator built from this tree.
	OperatorBinary string
	// kubectlCache is kubectl's discovery cache for this process: a cache
	// shared with earlier runs can predate the CRDs.
	kubectlCache string
}

// Setup brings the local cluster up (hack/local-up.sh is a no-op when it
// is up already), builds the operator and installs the CRDs. Call it once,
// from TestMain.
func Setup(ctx context.Context) (*Cluster, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	clusterRoot := os.Getenv("LOCAL_CLUSTER_ROOT")
	if clusterRoot == "" {
		clusterRoot = root
		if err := run(ctx, root, filepath.Join(root, "hack", "local-up.sh")); err != nil {
			return nil, fmt.Errorf("bringing up the local cluster: %w", err)
		}
	}
	cache, err := os.MkdirTemp("", "e2e-kubectl-cache-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Root: root, ClusterRoot: clusterRoot, Kubeconfig: filepath.Join(clusterRoot, "_output", "kubeconfig"), kubectlCache: cache}
	if err := c.connect(); err != nil {
		return nil, err
	}
	if c.OperatorBinary, err = buildOperator(ctx, root); err != nil {
		return nil, err
	}
	if err := c.InstallCRDs(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Cluster) connect() error {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return fmt.Errorf("loading %s: %w", c.Kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	c.Config = cfg
	if c.Kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return err
	}
	if c.Client, err = versioned.NewForConfig(cfg); err != nil {
		return err
	}
	if c.Dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return err
	}
	if c.APIExtensions, err = apiextclient.NewForConfig(cfg); err != nil {
		return err
	}
	disco, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	c.Mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(disco))
	return nil
}

// RepoRoot finds the repository root by walking up from the working
// directory to the go.mod of this module.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(data), "module "+modulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found above the working directory")
		}
		dir = parent
	}
}

// buildOperator builds the operator binary into _output/bin. It builds to a
// temporary name first: test packages run in parallel and each builds it.
func buildOperator(ctx context.Context, root string) (string, error) {
	bin := filepath.Join(root, "_output", "bin", "vitess-operator")
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	if err := run(ctx, root, "go", "build", "-o", tmp, "./cmd/vitess-operator"); err != nil {
		return "", fmt.Errorf("building the operator: %w", err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// Kubectl runs the kubectl built for the local cluster against it and
// returns its standard output; a failure carries standard error.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	args = append([]string{"--cache-dir=" + c.kubectlCache}, args...)
	cmd := exec.CommandContext(ctx, filepath.Join(c.ClusterRoot, "_output", "bin", "kubectl"), args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

func run(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return nil
}
