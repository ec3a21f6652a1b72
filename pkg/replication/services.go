package replication

import (
	"context"

	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// ensureServices applies the set's services.
func (e *Engine) ensureServices(ctx context.Context, set Set) error {
	for _, svc := range set.Services() {
		if err := k8s.ApplyService(ctx, e.kube, e.services, svc); err != nil {
			return err
		}
	}
	return nil
}
