package replication

import (
	"context"

	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// refusal says why the set is refused: by its own rules (Set.Refused), or
// because one of its Services cannot be applied in a way that retrying
// cannot fix. Other errors of applying the Services are returned. A refused
// set's Services are not applied.
func (e *Engine) refusal(ctx context.Context, set Set) (string, error) {
	if why := set.Refused(); why != "" {
		return why, nil
	}
	err := e.ensureServices(ctx, set)
	if err != nil && k8s.IsRefusal(err) {
		return "cannot make the set's Services (named from metadata.name and spec.service.name): " + err.Error(), nil
	}
	return "", err
}

// ensureServices applies the set's services.
func (e *Engine) ensureServices(ctx context.Context, set Set) error {
	for _, svc := range set.Services() {
		if err := k8s.ApplyService(ctx, e.kube, e.services, svc); err != nil {
			return err
		}
	}
	return nil
}
