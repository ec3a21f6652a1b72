package rbac

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

const module = "github.com/vitess-operator/vitess-operator"

// libraries are the API uses no typed method call shows.
func libraries() []Library {
	return []Library{
		{Pkg: "k8s.io/client-go/kubernetes/typed/core/v1", Name: "EventSinkImpl",
			Needs: []Permission{{"", "events", "create"}, {"", "events", "patch"}},
			Why:   "the event recorder creates an Event, and patches its count when it repeats"},
		{Pkg: "k8s.io/client-go/tools/leaderelection/resourcelock", Name: "LeaseLock",
			Needs: []Permission{{"coordination.k8s.io", "leases", "get"}, {"coordination.k8s.io", "leases", "create"},
				{"coordination.k8s.io", "leases", "update"}},
			Why: "leader election reads, creates and renews its Lease"},
		{Pkg: "exec",
			Needs: []Permission{{"", "pods/exec", "get"}, {"", "pods/exec", "create"}},
			Why: "exec goes over WebSocket (a GET, whose upgrade the API server also authorizes as create) " +
				"with SPDY (a POST) as the fallback"},
	}
}

// granted expands the rules of deploy/operator/role.yaml.
func granted(t *testing.T, root string) map[Permission]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, "deploy", "operator", "role.yaml"))
	require.NoError(t, err)
	var role rbacv1.Role
	require.NoError(t, yaml.UnmarshalStrict(data, &role))
	out := map[Permission]bool{}
	for _, r := range role.Rules {
		require.Empty(t, r.ResourceNames, "rules name no objects")
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					require.NotEqual(t, "*", v, "no wildcard verbs")
					require.NotEqual(t, "*", res, "no wildcard resources")
					p := Permission{Group: g, Resource: res, Verb: v}
					require.False(t, out[p], "%s is granted twice", p)
					out[p] = true
				}
			}
		}
	}
	return out
}

// TestRoleGrantsExactlyWhatTheCodeUses holds deploy/operator/role.yaml to
// the API calls the operator's code can make: it fails when the Role grants
// a verb no code uses, or lacks one that code uses.
//
// The used set is derived from the source, not from a run: a run shows only
// the paths it happened to take (a PVC is deleted only under whenScaled:
// Delete, an Event is patched only when it repeats), so it could neither
// prove a grant unused nor catch a rare call. The operator's packages (not
// the kubectl plugin's, which runs as its user) are
// type-checked (go/types, from `go list -export`), and every method call on
// a generated typed client (Get, List, Watch, Create, Update, UpdateStatus,
// Patch, Delete, ...) gives (group, resource, verb); a call on a type
// parameter (the generic appliers and status writers) is resolved through
// every instantiation of its function, transitively; a generated informer's
// Informer() or Lister() gives list and watch. What goes through client-go
// libraries or raw requests (the event recorder, leader election, exec) is
// declared in libraries() and counted only where the code uses the type or
// call that marks it. e2e's TestOperatorRunsWithItsRole, and every e2e test
// run with the operator logged in as its ServiceAccount, show the derived
// set is enough in practice.
func TestRoleGrantsExactlyWhatTheCodeUses(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	pkgs, fset, err := load(root, module, func(p string) bool { return strings.HasPrefix(p, module+"/pkg/generated/") },
		"./cmd/vitess-operator/...", "./pkg/...")
	require.NoError(t, err)
	used, problems := Used(pkgs, fset, libraries())
	require.Empty(t, problems, "the analysis could not resolve every call")
	have := granted(t, root)

	missing, unused := compare(used, have)
	if len(missing) > 0 || len(unused) > 0 {
		t.Errorf("deploy/operator/role.yaml does not match the code\nused but not granted:\n  %s\ngranted but not used:\n  %s",
			strings.Join(missing, "\n  "), strings.Join(unused, "\n  "))
	}
	for _, want := range []Permission{{"", "pods", "create"}, {"vitess.io", "vitessshards/status", "update"},
		{"apps", "deployments", "update"}, {"", "pods/exec", "create"}} {
		require.Contains(t, used, want, "the analysis lost a call every version of the operator makes")
	}
}

// compare returns the permissions used but not granted, with where they are
// used, and those granted but not used, each sorted.
func compare(used map[Permission][]string, have map[Permission]bool) (missing, unused []string) {
	for p, where := range used {
		if !have[p] {
			missing = append(missing, fmt.Sprintf("%s (used at %s)", p, strings.Join(where, ", ")))
		}
	}
	for p := range have {
		if _, ok := used[p]; !ok {
			unused = append(unused, p.String())
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	return missing, unused
}

// TestCompareCatchesBothWays proves the comparison fails on an extra grant
// and on a missing one.
func TestCompareCatchesBothWays(t *testing.T) {
	get := Permission{"", "pods", "get"}
	del := Permission{"apps", "deployments", "delete"}
	used := map[Permission][]string{get: {"a.go:1"}}
	missing, unused := compare(used, map[Permission]bool{get: true, del: true})
	require.Empty(t, missing)
	require.Equal(t, []string{"apps/deployments:delete"}, unused)
	missing, unused = compare(used, map[Permission]bool{})
	require.Equal(t, []string{"core/pods:get (used at a.go:1)"}, missing)
	require.Empty(t, unused)
}
