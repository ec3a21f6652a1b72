package dataplane

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	clientspdy "k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
	streamspdy "k8s.io/streaming/pkg/httpstream/spdy"
)

// Target is the container a command runs in.
type Target struct {
	Namespace string
	Pod       string
	Container string
}

// String renders the target as namespace/pod/container.
func (t Target) String() string { return t.Namespace + "/" + t.Pod + "/" + t.Container }

// Result is what a command that ran printed and how it exited.
type Result struct {
	Stdout   string
	Stderr   string
	ExitCode int
}

// Executor runs a command in a container. It returns an error only when the
// command could not be run or did not finish; a command that ran and exited
// non-zero is a Result with that exit code.
type Executor interface {
	Exec(ctx context.Context, t Target, argv []string) (Result, error)
}

// PodExecutor runs commands through the pods/exec subresource.
//
// Every exec is a new connection to the API server, so a probe of every
// shard every interval is as many TLS handshakes, the most of the
// operator's idle CPU when it authenticates with a client certificate (the
// signature). client-go's WebSocket executor builds a TLS configuration per
// call, with no session cache; the SPDY executor takes its transports, so
// the executor tries SPDY first over one shared TLS configuration whose
// session cache lets every later handshake resume, and falls back to
// WebSocket where the server refuses the SPDY upgrade.
type PodExecutor struct {
	config *rest.Config
	client kubernetes.Interface
	// tls is shared by every SPDY connection; nil without TLS.
	tls *tls.Config
	// full and resumed count TLS handshakes of exec connections.
	full, resumed atomic.Int64
}

// NewPodExecutor returns an executor that uses config and client.
func NewPodExecutor(config *rest.Config, client kubernetes.Interface) (*PodExecutor, error) {
	e := &PodExecutor{config: config, client: client}
	tlsConfig, err := rest.TLSConfigFor(config)
	if err != nil {
		return nil, fmt.Errorf("exec TLS configuration: %w", err)
	}
	if tlsConfig != nil {
		tlsConfig.ClientSessionCache = tls.NewLRUClientSessionCache(0)
		verify := tlsConfig.VerifyConnection
		tlsConfig.VerifyConnection = func(cs tls.ConnectionState) error {
			if cs.DidResume {
				e.resumed.Add(1)
			} else {
				e.full.Add(1)
			}
			if verify != nil {
				return verify(cs)
			}
			return nil
		}
	}
	e.tls = tlsConfig
	return e, nil
}

// Handshakes reports the TLS handshakes of exec connections so far: full
// ones and resumed ones.
func (e *PodExecutor) Handshakes() (full, resumed int64) {
	return e.full.Load(), e.resumed.Load()
}

// Exec runs argv in t until it exits or ctx ends.
func (e *PodExecutor) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	req := e.client.CoreV1().RESTClient().Post().
		Resource("pods").Namespace(t.Namespace).Name(t.Pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{
			Container: t.Container,
			Command:   argv,
			Stdout:    true,
			Stderr:    true,
		}, scheme.ParameterCodec)
	spdy, err := e.spdyExecutor(req.URL())
	if err != nil {
		return Result{}, fmt.Errorf("exec in %s: %w", t, err)
	}
	ws, err := remotecommand.NewWebSocketExecutor(e.config, "GET", req.URL().String())
	if err != nil {
		return Result{}, fmt.Errorf("exec in %s: %w", t, err)
	}
	exec, err := remotecommand.NewFallbackExecutor(spdy, ws, httpstream.IsUpgradeFailure)
	if err != nil {
		return Result{}, fmt.Errorf("exec in %s: %w", t, err)
	}
	var stdout, stderr bytes.Buffer
	err = exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if err == nil {
		return res, nil
	}
	if code, ok := ExitCode(err); ok {
		res.ExitCode = code
		return res, nil
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("exec in %s: %w", t, ctx.Err())
	}
	return res, fmt.Errorf("exec in %s: %w", t, err)
}

// spdyExecutor is client-go's SPDY executor over the shared TLS
// configuration, with the config's authentication wrapped around it as
// spdy.RoundTripperFor does. A round tripper holds one connection, so each
// exec gets its own.
func (e *PodExecutor) spdyExecutor(u *url.URL) (remotecommand.Executor, error) {
	proxy := http.ProxyFromEnvironment
	if e.config.Proxy != nil {
		proxy = e.config.Proxy
	}
	rt, err := streamspdy.NewRoundTripperWithConfig(streamspdy.RoundTripperConfig{
		TLS: e.tls, Proxier: proxy, PingPeriod: 5 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	wrapped, err := rest.HTTPWrappersForConfig(e.config, rt)
	if err != nil {
		return nil, err
	}
	return remotecommand.NewSPDYExecutorForTransports(wrapped, clientspdy.NewUpgraderForStreaming(rt), "POST", u)
}

var exitStatus = regexp.MustCompile(`exit status (\d+)`)

// ExitCode extracts a command's exit code from an exec error: the kubelet
// reports it as a structured code, while other runtimes (kwok among them)
// only put "exit status N" into the error message.
func ExitCode(err error) (int, bool) {
	if err == nil {
		return 0, false
	}
	var coded utilexec.ExitError
	if errors.As(err, &coded) && coded.Exited() {
		return coded.ExitStatus(), true
	}
	if m := exitStatus.FindStringSubmatch(err.Error()); m != nil {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			return n, true
		}
	}
	return 0, false
}

// countedExecutor calls count before each command it runs.
type countedExecutor struct {
	next  Executor
	count func(context.Context)
}

// Counted returns an executor that runs commands with e and calls count,
// with the command's context, before each one.
func Counted(e Executor, count func(context.Context)) Executor {
	return countedExecutor{next: e, count: count}
}

// Exec counts the command and runs it.
func (c countedExecutor) Exec(ctx context.Context, t Target, argv []string) (Result, error) {
	c.count(ctx)
	return c.next.Exec(ctx, t, argv)
}
