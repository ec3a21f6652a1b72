package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// Condition is checked on every version of a watched object; obj is nil
// while the object does not exist.
type Condition func(obj *unstructured.Unstructured) (bool, error)

// WaitFor watches the object name of resource gvr in namespace ("" for a
// cluster-scoped one) until cond holds or ctx ends, and returns the version
// that satisfied it. It never polls: it reacts to each change as it happens.
func (c *Cluster) WaitFor(ctx context.Context, gvr schema.GroupVersionResource, namespace, name string, cond Condition) (*unstructured.Unstructured, error) {
	ri := c.Dynamic.Resource(gvr).Namespace(namespace)
	selector := fields.OneTermEqualSelector("metadata.name", name).String()
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector
			return ri.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector
			return ri.Watch(ctx, o)
		},
	}
	var last *unstructured.Unstructured
	absent := func(store cache.Store) (bool, error) {
		if len(store.List()) > 0 {
			return false, nil
		}
		return cond(nil)
	}
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, absent, func(ev watch.Event) (bool, error) {
		switch ev.Type {
		case watch.Deleted:
			last = nil
			return cond(nil)
		case watch.Added, watch.Modified:
			obj, ok := ev.Object.(*unstructured.Unstructured)
			if !ok {
				return false, fmt.Errorf("unexpected %T in watch of %s", ev.Object, gvr.Resource)
			}
			last = obj
			return cond(obj)
		}
		return false, nil
	})
	if err != nil {
		return last, fmt.Errorf("waiting for %s %s/%s: %w", gvr.Resource, namespace, name, err)
	}
	return last, nil
}

// WaitForTyped is WaitFor with the object converted to T before cond sees it;
// cond gets nil while the object does not exist.
func WaitForTyped[T any](ctx context.Context, c *Cluster, gvr schema.GroupVersionResource, namespace, name string, cond func(*T) (bool, error)) (*T, error) {
	var got *T
	_, err := c.WaitFor(ctx, gvr, namespace, name, func(u *unstructured.Unstructured) (bool, error) {
		if u == nil {
			got = nil
			return cond(nil)
		}
		obj := new(T)
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
			return false, err
		}
		got = obj
		return cond(obj)
	})
	return got, err
}

// WaitForObject watches the object of the Go type T named name in
// namespace ("" for a cluster-scoped one) until it exists and cond holds for
// it, and returns that version. The resource is found from T, so a caller
// needs no GroupVersionResource. If the wait ends first it returns the last
// version seen (nil if none, or if the object was deleted) with the error.
func WaitForObject[T any, P Object[T]](ctx context.Context, c *Cluster, namespace, name string, cond func(P) bool) (P, error) {
	gvr, err := ResourceOf[T, P](c)
	if err != nil {
		return nil, err
	}
	got, err := WaitForTyped(ctx, c, gvr, namespace, name, func(obj *T) (bool, error) {
		return obj != nil && cond(P(obj)), nil
	})
	return P(got), err
}

// Await is WaitForObject for a test or benchmark: if the wait ends before
// cond holds, it runs each of explain (to log more about the failure) and
// fails t, naming what it awaited and showing the status of the last
// version seen.
func Await[T any, P Object[T]](ctx context.Context, t testing.TB, c *Cluster, namespace, name, what string, cond func(P) bool, explain ...func()) P {
	t.Helper()
	obj, err := WaitForObject(ctx, c, namespace, name, cond)
	if err != nil {
		for _, f := range explain {
			f()
		}
		t.Fatalf("waiting for %s: %v\nlast status: %s", what, err, statusOf(obj))
	}
	return obj
}

// statusOf renders the status of obj for a failure message.
func statusOf[T any, P Object[T]](obj P) string {
	if obj == nil {
		return "none: the object was not seen, or was deleted"
	}
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		return err.Error()
	}
	out, err := json.MarshalIndent(u["status"], "", "  ")
	if err != nil {
		return err.Error()
	}
	return string(out)
}
