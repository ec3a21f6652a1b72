package rss

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// Limits the operator holds a set to at run time. The schema enforces the
// same (pkg/apis/clusterlabs/v1alpha1); the operator checks again for sets
// stored before it did, and for the account it runs as, which only it knows.
const (
	// maxNameLength leaves room for -svc and for -<ordinal> up to 999 in a
	// name of 63 characters.
	maxNameLength = 59
)

// refusal says why the operator will not run rss, naming the field, or ""
// when it will. operatorAccount is the ServiceAccount the operator runs as:
// a member running as it would hold the operator's rights (exec in every
// pod, deleting claims), which whoever may write a set should not gain.
func refusal(rss *v1alpha1.ReplicatedStatefulSet, operatorAccount string) string {
	var why []string
	if sa := rss.Spec.Pod.ServiceAccountName; sa != "" && sa == operatorAccount {
		why = append(why, fmt.Sprintf("spec.pod.serviceAccountName: %s is the operator's own ServiceAccount; members may not run with its rights", sa))
	}
	if errs := nameProblems(rss.Name); len(errs) > 0 {
		why = append(why, "metadata.name: "+strings.Join(errs, "; "))
	}
	if svc := rss.Spec.Service; svc != nil && svc.Name != "" {
		if errs := validation.IsDNS1035Label(svc.Name); len(errs) > 0 {
			why = append(why, "spec.service.name: "+strings.Join(errs, "; "))
		} else if svc.Name == headlessName(rss) {
			why = append(why, "spec.service.name: must differ from metadata.name, which names the headless Service")
		}
	}
	why = append(why, timeoutProblems(rss.Spec.Pod.Commands)...)
	return strings.Join(why, "; ")
}

// nameProblems says why name cannot name the set's Services and pods: it
// must be a DNS-1035 label (a Service name: no dots, a letter first) short
// enough for -svc and the ordinals.
func nameProblems(name string) []string {
	errs := validation.IsDNS1035Label(name)
	if len(name) > maxNameLength {
		errs = append(errs, fmt.Sprintf("must be no more than %d characters", maxNameLength))
	}
	return errs
}

// timeoutProblems names the hooks whose timeout is out of bounds.
func timeoutProblems(c v1alpha1.Commands) []string {
	hooks := map[string]*v1alpha1.Command{"sequence": &c.Sequence, "seed": c.Seed, "primary": &c.Primary,
		"secondary": c.Secondary, "status": &c.Status, "stop": &c.Stop}
	var out []string
	for _, name := range []string{"sequence", "seed", "primary", "secondary", "status", "stop"} {
		cmd := hooks[name]
		if cmd == nil || cmd.Timeout == nil {
			continue
		}
		if d := cmd.Timeout.Duration; d < dataplane.MinHookTimeout || d > dataplane.MaxHookTimeout {
			out = append(out, fmt.Sprintf("spec.pod.commands.%s.timeout: %v is not between %v and %v", name, d, dataplane.MinHookTimeout, dataplane.MaxHookTimeout))
		}
	}
	return out
}
