package vitess

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/generated/clientset/versioned"
)

// Deps are what the Vitess reconcilers share: the informers they read
// through, the clients they write with, the executor that runs Vitess
// commands in pods and the recorder of their events.
type Deps struct {
	Informers *controller.Informers
	Kube      kubernetes.Interface
	Client    versioned.Interface
	Exec      dataplane.Executor
	Recorder  record.EventRecorder
}

// live reads the object a pass is for through get. ok is false when it is
// gone or being deleted: garbage collection removes what it owns, so the
// pass has nothing to do; err says why it could not be read.
func live[T metav1.Object](get func(name string) (T, error), name string) (obj T, ok bool, err error) {
	obj, err = get(name)
	if apierrors.IsNotFound(err) {
		return obj, false, nil
	} else if err != nil {
		return obj, false, fmt.Errorf("reading %s: %w", name, err)
	}
	return obj, obj.GetDeletionTimestamp() == nil, nil
}
