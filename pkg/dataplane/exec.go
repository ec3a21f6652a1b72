package dataplane

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/streaming/pkg/httpstream"
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
type PodExecutor struct {
	config *rest.Config
	client kubernetes.Interface
}

// NewPodExecutor returns an executor that uses config and client.
func NewPodExecutor(config *rest.Config, client kubernetes.Interface) *PodExecutor {
	return &PodExecutor{config: config, client: client}
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
	ws, err := remotecommand.NewWebSocketExecutor(e.config, "GET", req.URL().String())
	if err != nil {
		return Result{}, fmt.Errorf("exec in %s: %w", t, err)
	}
	spdy, err := remotecommand.NewSPDYExecutor(e.config, "POST", req.URL())
	if err != nil {
		return Result{}, fmt.Errorf("exec in %s: %w", t, err)
	}
	exec, err := remotecommand.NewFallbackExecutor(ws, spdy, httpstream.IsUpgradeFailure)
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
