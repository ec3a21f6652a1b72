package vitess

import (
	"context"
	"errors"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// AddCellInfoCommand is the vtctldclient command that registers a cell.
func AddCellInfoCommand(cell *v1alpha1.VitessCell) (string, []string) {
	t := cell.Spec.Topology
	return "AddCellInfo", []string{"--root=" + t.CellRoot, "--server-address=" + t.CellServerAddress, cell.Spec.Name}
}

// CreateKeyspaceCommand is the vtctldclient command that creates a keyspace;
// --force makes it succeed for a keyspace that exists.
func CreateKeyspaceCommand(ks *v1alpha1.VitessKeyspace) (string, []string) {
	return "CreateKeyspace", []string{"--force", "--durability-policy=" + ks.Spec.DurabilityPolicy, ks.Spec.Name}
}

// SetDurabilityCommand is the vtctldclient command that sets a keyspace's
// durability policy: CreateKeyspace leaves an existing keyspace's alone.
func SetDurabilityCommand(ks *v1alpha1.VitessKeyspace) (string, []string) {
	return "SetKeyspaceDurabilityPolicy", []string{"--durability-policy=" + ks.Spec.DurabilityPolicy, ks.Spec.Name}
}

// errNoVtctld means no vtctld pod of the cluster runs yet.
var errNoVtctld = errors.New("no vtctld of the cluster runs yet")

// topoCommands runs topology commands of a cluster in one of its vtctld
// pods, through pkg/dataplane; this side only picks the pod.
type topoCommands struct {
	exec dataplane.Executor
	pods corelisters.PodLister
}

// run runs one vtctldclient command for cluster.
func (t topoCommands) run(ctx context.Context, namespace, cluster, command string, args ...string) error {
	pod, err := vtctldPod(t.pods, namespace, cluster)
	if err != nil {
		return err
	}
	return dataplane.NewVtctld(t.exec, VtctldAddress(cluster, namespace), namespace, pod.Name).Run(ctx, command, args...)
}

// vtctldPod returns a running vtctld pod of cluster, the same one while it
// runs (the first by name), or errNoVtctld.
func vtctldPod(pods corelisters.PodLister, namespace, cluster string) (*corev1.Pod, error) {
	list, err := pods.Pods(namespace).List(labels.SelectorFromSet(vtctldLabels(cluster)))
	if err != nil {
		return nil, fmt.Errorf("listing the vtctld pods of %s: %w", cluster, err)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	for _, p := range list {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			return p, nil
		}
	}
	return nil, errNoVtctld
}
