package main

import (
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// env returns a getenv func serving vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// TestParseOptionsDefaults proves the defaults, with the namespace taken from
// POD_NAMESPACE through the getenv func.
func TestParseOptionsDefaults(t *testing.T) {
	o, err := parseOptions(nil, env(map[string]string{"POD_NAMESPACE": "vitess"}))
	require.NoError(t, err)
	assert.Equal(t, &options{
		namespace:     "vitess",
		leaderElect:   true,
		leaseName:     "vitess-operator",
		leaseDuration: 15 * time.Second,
		renewDeadline: 10 * time.Second,
		retryPeriod:   2 * time.Second,
		metricsAddr:   ":8080",
		healthAddr:    ":8081",
		logLevel:      "info",
		logFormat:     "text",
		kubeAPIQPS:    100,
		kubeAPIBurst:  200,
		maxExecs:      32,
		resync:        30 * time.Second,

		serviceAccount: "vitess-operator",
	}, o)
}

// TestParseOptionsValid proves that valid settings are accepted and read
// into the right fields, and that --namespace beats POD_NAMESPACE.
func TestParseOptionsValid(t *testing.T) {
	ns := env(map[string]string{"POD_NAMESPACE": "vitess"})
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		check  func(t *testing.T, o *options)
	}{
		{"flag beats env", []string{"--namespace", "other"}, ns,
			func(t *testing.T, o *options) { assert.Equal(t, "other", o.namespace) }},
		{"namespace without env", []string{"-namespace=x"}, env(nil),
			func(t *testing.T, o *options) { assert.Equal(t, "x", o.namespace) }},
		{"rates and resync", []string{"--kube-api-qps=0.5", "--kube-api-burst=1", "--resync=1s"}, ns,
			func(t *testing.T, o *options) {
				assert.Equal(t, 0.5, o.kubeAPIQPS)
				assert.Equal(t, 1, o.kubeAPIBurst)
				assert.Equal(t, time.Second, o.resync)
			}},
		{"service account from the downward API", nil, env(map[string]string{"POD_NAMESPACE": "v", "POD_SERVICE_ACCOUNT": "op"}),
			func(t *testing.T, o *options) { assert.Equal(t, "op", o.serviceAccount) }},
		{"service account flag beats env", []string{"--service-account=flag"}, env(map[string]string{"POD_NAMESPACE": "v", "POD_SERVICE_ACCOUNT": "op"}),
			func(t *testing.T, o *options) { assert.Equal(t, "flag", o.serviceAccount) }},
		{"exec slots", []string{"--max-concurrent-execs=4"}, ns,
			func(t *testing.T, o *options) { assert.Equal(t, 4, o.maxExecs) }},
		{"json logs", []string{"--log-format=json", "--log-level=debug"}, ns,
			func(t *testing.T, o *options) { assert.Equal(t, "json", o.logFormat) }},
		{"metrics off", []string{"--metrics-addr="}, ns,
			func(t *testing.T, o *options) { assert.Empty(t, o.metricsAddr) }},
		{"leader election off skips its checks", []string{"--leader-elect=false",
			"--leader-elect-lease-name=", "--leader-elect-lease-duration=1s", "--leader-elect-renew-deadline=5s",
			"--leader-elect-retry-period=0"}, ns,
			func(t *testing.T, o *options) { assert.False(t, o.leaderElect) }},
		{"renew deadline just above 1.2 × retry period", []string{"--leader-elect-renew-deadline=1200000001ns",
			"--leader-elect-retry-period=1s"}, ns,
			func(t *testing.T, o *options) { assert.Equal(t, time.Second, o.retryPeriod) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseOptions(tc.args, tc.getenv)
			require.NoError(t, err)
			tc.check(t, o)
		})
	}
}

// TestParseOptionsInvalid proves that each invalid input is rejected with an
// error naming the flag at fault, and that several problems are all reported.
func TestParseOptionsInvalid(t *testing.T) {
	ns := env(map[string]string{"POD_NAMESPACE": "vitess"})
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		want   []string // each must appear in the error
	}{
		{"namespace missing", nil, env(nil), []string{"--namespace"}},
		{"namespace empty", []string{"--namespace="}, ns, []string{"--namespace"}},
		{"log format xml", []string{"--log-format=xml"}, ns, []string{"--log-format", `"xml"`}},
		{"qps zero", []string{"--kube-api-qps=0"}, ns, []string{"--kube-api-qps"}},
		{"qps negative", []string{"--kube-api-qps=-1"}, ns, []string{"--kube-api-qps"}},
		{"burst zero", []string{"--kube-api-burst=0"}, ns, []string{"--kube-api-burst"}},
		{"resync 10ms", []string{"--resync=10ms"}, ns, []string{"--resync", "10ms"}},
		{"no exec slots", []string{"--max-concurrent-execs=0"}, ns, []string{"--max-concurrent-execs"}},
		{"health address empty", []string{"--health-addr="}, ns, []string{"--health-addr"}},
		{"lease name empty", []string{"--leader-elect-lease-name="}, ns, []string{"--leader-elect-lease-name"}},
		{"lease duration equal to renew deadline", []string{"--leader-elect-lease-duration=10s"}, ns,
			[]string{"--leader-elect-lease-duration", "--leader-elect-renew-deadline"}},
		{"lease duration below renew deadline", []string{"--leader-elect-lease-duration=5s"}, ns,
			[]string{"--leader-elect-lease-duration"}},
		{"renew deadline equal to 1.2 × retry period", []string{"--leader-elect-renew-deadline=12s",
			"--leader-elect-lease-duration=20s", "--leader-elect-retry-period=10s"}, ns,
			[]string{"--leader-elect-renew-deadline", "--leader-elect-retry-period"}},
		{"renew deadline below retry period", []string{"--leader-elect-retry-period=11s"}, ns,
			[]string{"--leader-elect-renew-deadline", "--leader-elect-retry-period"}},
		{"retry period zero", []string{"--leader-elect-retry-period=0"}, ns,
			[]string{"--leader-elect-retry-period", "positive"}},
		{"renew deadline negative", []string{"--leader-elect-renew-deadline=-1s"}, ns,
			[]string{"--leader-elect-renew-deadline", "positive"}},
		{"several at once", []string{"--log-format=xml", "--kube-api-qps=0", "--kube-api-burst=0", "--resync=10ms"}, env(nil),
			[]string{"--namespace", "--log-format", "--kube-api-qps", "--kube-api-burst", "--resync"}},
		{"positional argument", []string{"--namespace=x", "extra"}, ns, []string{"unexpected arguments", "extra"}},
		{"unknown flag", []string{"--no-such-flag"}, ns, []string{"no-such-flag"}},
		{"malformed value", []string{"--kube-api-burst=many"}, ns, []string{"kube-api-burst"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseOptions(tc.args, tc.getenv)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestParseOptionsErrorsAreSeparate proves that validation joins one error
// per problem, so each problem is on a line of its own.
func TestParseOptionsErrorsAreSeparate(t *testing.T) {
	_, err := parseOptions([]string{"--log-format=xml", "--kube-api-qps=0"}, env(nil))
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], "--namespace")
	assert.Contains(t, lines[1], "--log-format")
	assert.Contains(t, lines[2], "--kube-api-qps")
}

// TestParseOptionsHelp proves that -h yields flag.ErrHelp, which main treats
// as a clean exit.
func TestParseOptionsHelp(t *testing.T) {
	_, err := parseOptions([]string{"-h"}, env(nil))
	assert.True(t, errors.Is(err, flag.ErrHelp), "got %v", err)
}

// TestIdentity proves that the Lease identity is the pod name, the same for
// a restarted process of the pod, and unique per process outside a pod.
func TestIdentity(t *testing.T) {
	inPod := env(map[string]string{"POD_NAME": "vitess-operator-abc"})
	assert.Equal(t, "vitess-operator-abc", identity(inPod))
	assert.Equal(t, identity(inPod), identity(inPod))
	a, b := identity(env(nil)), identity(env(nil))
	assert.NotEqual(t, a, b)
	assert.Contains(t, a, "_")
}
