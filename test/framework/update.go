package framework

import (
	"context"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// Client is the part of a typed client that Update needs, such as
// Kube.CoreV1().Pods(ns) or Client.VitessV1alpha1().VitessClusters(ns);
// P is the pointer type of its objects.
type Client[P any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (P, error)
	Update(ctx context.Context, obj P, opts metav1.UpdateOptions) (P, error)
}

// updateBackoff spaces the attempts of Update. The operator writes the
// status of the objects tests edit often, so several attempts in a row can
// meet a newer version: retry.DefaultRetry's five attempts 10ms apart can
// all lose, while these ten span about five seconds.
var updateBackoff = wait.Backoff{Steps: 10, Duration: 10 * time.Millisecond, Factor: 2, Jitter: 0.1}

// Update gets the latest version of the object name through client, applies
// change to it and writes it back. When the write conflicts because the
// object changed in between (apierrors.IsConflict), it starts again from the
// newer version, with retry.RetryOnConflict; change must therefore be safe
// to apply more than once. It returns what the API server stored, or the
// first error that is not a conflict.
func Update[P any](ctx context.Context, client Client[P], name string, change func(P)) (P, error) {
	var stored P
	err := retry.RetryOnConflict(updateBackoff, func() error {
		obj, err := client.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		change(obj)
		stored, err = client.Update(ctx, obj, metav1.UpdateOptions{})
		return err
	})
	return stored, err
}
