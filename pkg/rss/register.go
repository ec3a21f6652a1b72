package rss

import (
	"github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/controller"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Registration plugs ReplicatedStatefulSets into the controller, run on the
// replication engine.
func Registration(d Deps, engine *replication.Engine) controller.Registration {
	return controller.Registration{
		Kind:       Kind,
		Group:      v1alpha1.GroupName,
		Informer:   d.Informers.Vitess.Clusterlabs().V1alpha1().ReplicatedStatefulSets().Informer(),
		Reconciler: NewReconciler(d, engine),
	}
}
