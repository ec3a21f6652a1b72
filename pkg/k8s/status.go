package k8s

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/redact"
)

// StatusWriter writes the status of one kind of object: the one way every
// reconciler of the operator stores status. A pass computes the status it
// wants on a copy of the object it read; the writer compares it
// semantically with what is stored and writes once, only when they differ.
//
// A writer made by NewStatusWriter remembers the object each write
// returned: the write's own watch event reaches the informer a moment
// later, and a pass woken in between (by a pod, say) would otherwise compute
// on the copy from before the write and conflict. While the informer's copy
// is still the one the last write replaced, the writer starts from the
// remembered object instead.
//
// A write that conflicts all the same (someone else wrote) is returned as
// the API server's Conflict error, wrapped; the controller's worker retries
// the pass with its backoff, quietly (pkg/controller, worker.go). No
// reconciler sleeps, retries or drops a conflict itself.
type StatusWriter[T StatusObject] struct {
	// Status returns the part of the object a status write stores, for the
	// comparison.
	Status func(obj T) any
	// Update writes the status subresource.
	Update func(ctx context.Context, obj T) (T, error)
	// written remembers each object's last write; nil remembers nothing.
	written *writtenObjects
}

// writtenObjects are the objects the last status writes returned, by
// namespace/name, with the resource versions the writer's writes since the
// informer's copy last served as a base replaced: an informer that lags by
// several writes still holds one of them.
type writtenObjects struct {
	mu   sync.Mutex
	objs map[string]writtenObject
}

type writtenObject struct {
	replaced []string
	obj      runtime.Object
}

// newer returns the object the last write of current's key returned, when
// current is a version the writer's writes replaced; else current.
func (w *writtenObjects) newer(current runtime.Object, key, rv string) runtime.Object {
	if w == nil {
		return current
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if e, ok := w.objs[key]; ok && slices.Contains(e.replaced, rv) {
		return e.obj
	}
	return current
}

// remember records obj as the result of a write over version replaced; a
// write from a remembered object extends the chain of replaced versions,
// one from the informer's copy starts a new one.
func (w *writtenObjects) remember(key, replaced string, obj runtime.Object) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	chain := []string{replaced}
	if e, ok := w.objs[key]; ok {
		if m, err := meta.Accessor(e.obj); err == nil && m.GetResourceVersion() == replaced {
			chain = append(slices.Clone(e.replaced), replaced)
		}
	}
	if len(chain) > 8 {
		chain = chain[len(chain)-8:]
	}
	w.objs[key] = writtenObject{replaced: chain, obj: obj}
}

// Forget drops what the writer remembers of namespace/name, once the object
// is gone.
func (w StatusWriter[T]) Forget(namespace, name string) {
	if w.written == nil {
		return
	}
	w.written.mu.Lock()
	defer w.written.mu.Unlock()
	delete(w.written.objs, namespace+"/"+name)
}

// StatusUpdater is a generated typed client of one kind, in one namespace,
// as far as writing status goes.
type StatusUpdater[T any] interface {
	UpdateStatus(ctx context.Context, obj T, opts metav1.UpdateOptions) (T, error)
}

// NewStatusWriter returns the status writer of a kind: client is its
// namespaced typed client, as client.VitessV1alpha1().VitessCells; status
// picks what a write stores.
func NewStatusWriter[T StatusObject, C StatusUpdater[T]](client func(namespace string) C, status func(T) any) StatusWriter[T] {
	return StatusWriter[T]{
		Status: status,
		Update: func(ctx context.Context, obj T) (T, error) {
			return client(obj.GetNamespace()).UpdateStatus(ctx, obj, metav1.UpdateOptions{})
		},
		written: &writtenObjects{objs: map[string]writtenObject{}},
	}
}

// StatusObject is an object with a status subresource.
type StatusObject interface {
	metav1.Object
	runtime.Object
}

// Write calls compute on a deep copy of current (or of what the writer last
// wrote of it, while current predates that write) and writes the copy's
// status when it differs. It returns whether it wrote.
func (w StatusWriter[T]) Write(ctx context.Context, current T, compute func(next T)) (bool, error) {
	key := current.GetNamespace() + "/" + current.GetName()
	base, ok := w.written.newer(current, key, current.GetResourceVersion()).(T)
	if !ok || base.GetUID() != current.GetUID() {
		base = current
	}
	next, ok := base.DeepCopyObject().(T)
	if !ok {
		return false, fmt.Errorf("writing status of %s: its deep copy has another type", current.GetName())
	}
	compute(next)
	if apiequality.Semantic.DeepEqual(w.Status(base), w.Status(next)) {
		return false, nil
	}
	stored, err := w.Update(ctx, next)
	if err != nil {
		return false, fmt.Errorf("writing status of %s: %w", current.GetName(), err)
	}
	if v := reflect.ValueOf(stored); v.Kind() == reflect.Pointer && !v.IsNil() {
		w.written.remember(key, base.GetResourceVersion(), stored)
	}
	return true, nil
}

// ConditionMessageLimit bounds a condition's message. Messages join the
// problems of many members, so the bound is wider than one command's
// output (redact.Limit); the API allows 32 KiB.
const ConditionMessageLimit = 4096

// SetObjectStatus writes generation, phase and conditions into st, as every
// kind's status computation ends; a condition keeps its transition time while
// its status stays. Messages are sanitized (redact): whatever quoted a
// command's output on the way here, status never shows a secret.
func SetObjectStatus(st *common.ObjectStatus, generation int64, phase string, conds ...metav1.Condition) {
	st.ObservedGeneration = generation
	st.Phase = phase
	r := redact.New()
	for _, c := range conds {
		c.ObservedGeneration = generation
		c.Message = r.Bound(c.Message, ConditionMessageLimit)
		meta.SetStatusCondition(&st.Conditions, c)
	}
}
