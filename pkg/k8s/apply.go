package k8s

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AnnotationSpecHash records the hash of the spec the operator last wrote to
// an object. The API server fills in defaults, so comparing the stored spec
// with the rendered one would always differ; comparing hashes of what the
// operator rendered writes only when the operator's intent changed.
const AnnotationSpecHash = "vitess-operator.io/spec-hash"

// Object is a Kubernetes object with metadata.
type Object interface {
	metav1.Object
	comparable
}

// Applier creates or updates one kind of object.
type Applier[T Object] struct {
	// Get reads the current object, from a lister.
	Get func(namespace, name string) (T, error)
	// Create writes a new object.
	Create func(ctx context.Context, obj T) (T, error)
	// Update writes an existing one.
	Update func(ctx context.Context, obj T) (T, error)
	// Merge copies the desired object's owned fields onto a copy of the
	// current one, keeping what others own (status, defaults, other
	// annotations).
	Merge func(have, want T) T
	// OnDrift, when set, is told of each object whose spec someone else
	// edited (SpecEditor) and that Apply restored; it records an Event.
	OnDrift func(obj T, editor string)
	// Editor, when set, names who else edited the current object's spec
	// (have) in place of SpecEditor, given the desired object (want): an
	// owner that leaves a field to another controller ignores edits of it
	// (SpecEditorIgnoring).
	Editor func(have, want T) string
	// corrected remembers the drift corrections made; nil corrects an
	// object every time an edit shows.
	corrected *corrections
	// stampGeneration stamps each write with the generation it leaves
	// (WithGenerationStamp).
	stampGeneration bool
}

// WithDriftMemory returns a copy of a that remembers its drift corrections,
// so that an edit the correction could not take ownership back from (one
// that set a field to the operator's own value) is corrected only once.
func (a Applier[T]) WithDriftMemory() Applier[T] {
	a.corrected = &corrections{}
	return a
}

// Apply makes the object match want: it creates it when missing, and updates
// it when the hash of the rendered spec differs from the one recorded on it,
// or when someone else edited its spec since (drift: kubectl edit, kubectl
// scale); the owner's spec wins. It returns whether it wrote.
func (a Applier[T]) Apply(ctx context.Context, want T, spec any) (bool, error) {
	hash, err := Hash(spec)
	if err != nil {
		return false, err
	}
	setAnnotation(want, AnnotationSpecHash, hash)
	have, err := a.Get(want.GetNamespace(), want.GetName())
	if apierrors.IsNotFound(err) {
		if a.stampGeneration {
			expectGeneration(want, 0, true)
		}
		// A new object's generation is 1: the stamp needs no second write.
		if _, err := a.Create(ctx, want); err != nil && !apierrors.IsAlreadyExists(err) {
			return false, fmt.Errorf("creating %s: %w", want.GetName(), err)
		}
		return true, nil
	} else if err != nil {
		return false, err
	}
	if ref := metav1.GetControllerOf(want); ref != nil {
		if owner := metav1.GetControllerOf(have); owner == nil || owner.UID != ref.UID {
			return false, notOwned(kindOf(have), want.GetName(), ref.Kind+" "+ref.Name)
		}
	}
	editor := SpecEditor(have)
	if a.Editor != nil {
		editor = a.Editor(have, want)
	}
	if editor != "" && a.corrected.done(have) {
		editor = ""
	}
	writesSpec := editor != "" || have.GetAnnotations()[AnnotationSpecHash] != hash
	if !writesSpec && sameLabels(have.GetLabels(), want.GetLabels()) && !a.unstamped(have) {
		return false, nil
	}
	upd := a.Merge(have, want)
	setAnnotation(upd, AnnotationSpecHash, hash)
	if a.stampGeneration {
		expectGeneration(upd, have.GetGeneration(), writesSpec)
	}
	stored, err := a.Update(ctx, upd)
	if err != nil {
		return false, fmt.Errorf("updating %s: %w", want.GetName(), err)
	}
	if a.stampGeneration {
		if stored, err = a.restamp(ctx, stored); err != nil {
			return true, err
		}
	}
	if editor != "" {
		var zero T
		if stored != zero {
			a.corrected.remember(stored)
		}
		if a.OnDrift != nil {
			a.OnDrift(have, editor)
		}
	}
	return true, nil
}

func setAnnotation(obj metav1.Object, k, v string) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[k] = v
	obj.SetAnnotations(a)
}

// sameLabels reports whether have carries every label of want.
func sameLabels(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// kindOf names an object's kind for a message: its Go type, since objects
// read from a lister carry no TypeMeta.
func kindOf(obj any) string {
	t := fmt.Sprintf("%T", obj)
	return t[strings.LastIndex(t, ".")+1:]
}
