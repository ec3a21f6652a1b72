package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/util/uuid"
)

// options are the operator's command-line settings.
type options struct {
	kubeconfig    string
	namespace     string
	leaderElect   bool
	leaseName     string
	leaseDuration time.Duration
	renewDeadline time.Duration
	retryPeriod   time.Duration
	metricsAddr   string
	profiling     bool
	healthAddr    string
	logLevel      string
	logFormat     string
	kubeAPIQPS    float64
	kubeAPIBurst  int
	maxExecs      int
	resync        time.Duration
	// serviceAccount is the ServiceAccount the operator runs as; sets whose
	// members would run as it are refused.
	serviceAccount string
}

// parseOptions reads the flags in args. The namespace defaults to the
// POD_NAMESPACE environment variable that the Deployment sets from the
// downward API.
func parseOptions(args []string, getenv func(string) string) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("vitess-operator", flag.ContinueOnError)
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "path to a kubeconfig; empty means the in-cluster configuration")
	fs.StringVar(&o.namespace, "namespace", getenv("POD_NAMESPACE"), "the one namespace to watch and manage (default $POD_NAMESPACE)")
	fs.BoolVar(&o.leaderElect, "leader-elect", true, "hold a Lease in --namespace so that only one operator acts at a time")
	fs.StringVar(&o.leaseName, "leader-elect-lease-name", "vitess-operator", "name of the leader-election Lease")
	fs.DurationVar(&o.leaseDuration, "leader-elect-lease-duration", 15*time.Second, "how long a standby waits after the last renewal before taking the Lease over")
	fs.DurationVar(&o.renewDeadline, "leader-elect-renew-deadline", 10*time.Second, "how long the leader keeps trying to renew before it gives up leading")
	fs.DurationVar(&o.retryPeriod, "leader-elect-retry-period", 2*time.Second, "interval between attempts to acquire or renew the Lease")
	fs.StringVar(&o.metricsAddr, "metrics-addr", ":8080", "address of the Prometheus /metrics endpoint; empty turns it off")
	fs.BoolVar(&o.profiling, "profiling", false, "also serve Go's pprof profiles under /debug/pprof/ on --metrics-addr (CPU, heap, goroutines); off by default, since profiles expose the process's internals")
	fs.StringVar(&o.healthAddr, "health-addr", ":8081", "address of the /healthz and /readyz endpoints")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	fs.Float64Var(&o.kubeAPIQPS, "kube-api-qps", 100, "steady queries per second to the Kubernetes API")
	fs.IntVar(&o.kubeAPIBurst, "kube-api-burst", 200, "burst of queries to the Kubernetes API")
	fs.IntVar(&o.maxExecs, "max-concurrent-execs", 32, "commands run in pods at once (probes, hooks, vtctldclient); more wait their turn before their timeout starts")
	fs.DurationVar(&o.resync, "resync", 30*time.Second, "safety-net interval of an object's pass when its spec sets none")
	fs.StringVar(&o.serviceAccount, "service-account", orDefault(getenv("POD_SERVICE_ACCOUNT"), "vitess-operator"),
		"the ServiceAccount the operator runs as, which ReplicatedStatefulSet pods may not run as; $POD_SERVICE_ACCOUNT when set")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return o, o.validate()
}

// validate checks the options and names the flag of each problem.
func (o *options) validate() error {
	var errs []error
	if o.namespace == "" {
		errs = append(errs, errors.New("--namespace is required (or set POD_NAMESPACE)"))
	}
	if o.healthAddr == "" {
		errs = append(errs, errors.New("--health-addr must not be empty"))
	}
	if _, err := logrus.ParseLevel(o.logLevel); err != nil {
		errs = append(errs, fmt.Errorf("--log-level must be debug, info, warn or error, not %q", o.logLevel))
	}
	switch o.logFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("--log-format must be text or json, not %q", o.logFormat))
	}
	if o.kubeAPIQPS <= 0 {
		errs = append(errs, fmt.Errorf("--kube-api-qps must be positive, not %v", o.kubeAPIQPS))
	}
	if o.kubeAPIBurst < 1 {
		errs = append(errs, fmt.Errorf("--kube-api-burst must be at least 1, not %d", o.kubeAPIBurst))
	}
	if o.maxExecs < 1 {
		errs = append(errs, fmt.Errorf("--max-concurrent-execs must be at least 1, not %d", o.maxExecs))
	}
	if o.resync < time.Second {
		errs = append(errs, fmt.Errorf("--resync must be at least 1s, not %v", o.resync))
	}
	if o.leaderElect {
		if o.leaseName == "" {
			errs = append(errs, errors.New("--leader-elect-lease-name must not be empty"))
		}
		// The ordering client-go's leader election requires, checked here so
		// the error names our flags instead of panicking later.
		if o.renewDeadline <= 0 || o.retryPeriod <= 0 {
			errs = append(errs, errors.New("--leader-elect-renew-deadline and --leader-elect-retry-period must be positive"))
		} else if o.leaseDuration <= o.renewDeadline {
			errs = append(errs, errors.New("--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline"))
		} else if float64(o.renewDeadline) <= 1.2*float64(o.retryPeriod) {
			errs = append(errs, errors.New("--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period"))
		}
	}
	return errors.Join(errs...)
}

// identity names this process in the Lease. In a pod it is the pod's name:
// only one process of a pod runs at a time (the kubelet kills a container
// before it starts it again), so a container restarted after a crash or an
// OOM kill takes its own Lease back at once instead of waiting out the
// lease duration with every shard unattended. Outside a pod there is no
// name to be sure of, so it is the host name and a random suffix.
func identity(getenv func(string) string) string {
	if name := getenv("POD_NAME"); name != "" {
		return name
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s_%s", host, uuid.NewUUID())
}

// orDefault is v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
