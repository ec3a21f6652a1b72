package k8s

import (
	"context"
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AnnotationSpecGeneration records the metadata.generation the operator's
// own last write of an object's spec left it at. The API server raises the
// generation on every change of the spec, by anyone, so a generation above
// the stamp is an edit the operator has not restored yet. Unlike the times
// in managedFields this needs no clock: the API server records a write
// through the scale subresource (kubectl scale, an autoscaler) with no time
// at all, and times have a resolution of one second.
const AnnotationSpecGeneration = "vitess-operator.io/spec-generation"

// WithGenerationStamp returns a copy of a that stamps each object it writes
// with the generation its write left (AnnotationSpecGeneration), for
// objects whose owner must hold still while someone else's edit of their
// spec is not yet restored (SpecEditedSince). The stamp goes in the same
// write, as the generation that write is expected to give; when the API
// server gives another (the write changed nothing of the spec after
// defaulting), a second write, of that annotation alone, corrects it. An
// object written before stamps is stamped at the next Apply, by a write of
// its metadata.
func (a Applier[T]) WithGenerationStamp() Applier[T] {
	a.stampGeneration = true
	return a
}

// expectGeneration stamps obj with the generation a write of it gives: a new
// object starts at 1, and a write that changes the spec raises it by one.
func expectGeneration(obj metav1.Object, have int64, specChanges bool) {
	g := max(have, 1)
	if have > 0 && specChanges {
		g = have + 1
	}
	setAnnotation(obj, AnnotationSpecGeneration, strconv.FormatInt(g, 10))
}

// restamp writes the generation stored has as its stamp when the stamp
// expected another (a write that left the spec as it was), and returns the
// object as it is stored then: the drift memory must hold the last write.
func (a Applier[T]) restamp(ctx context.Context, stored T) (T, error) {
	var zero T
	if stored == zero {
		return stored, nil
	}
	want := strconv.FormatInt(stored.GetGeneration(), 10)
	if stored.GetGeneration() == 0 || stored.GetAnnotations()[AnnotationSpecGeneration] == want {
		return stored, nil
	}
	upd := a.Merge(stored, stored)
	setAnnotation(upd, AnnotationSpecGeneration, want)
	restamped, err := a.Update(ctx, upd)
	if err != nil {
		return stored, fmt.Errorf("stamping the generation of %s: %w", stored.GetName(), err)
	}
	return restamped, nil
}

// unstamped says whether have, of an applier that stamps, lacks a stamp: an
// object written before stamps, stamped by a metadata-only write (an edit
// not yet restored shows to SpecEditor, and is restored by a spec write).
func (a Applier[T]) unstamped(have T) bool {
	if !a.stampGeneration || have.GetGeneration() == 0 {
		return false
	}
	_, ok := stampedGeneration(have)
	return !ok
}

// stampedGeneration is the generation the operator's last write left obj
// at, if it stamped one.
func stampedGeneration(obj metav1.Object) (int64, bool) {
	v, ok := obj.GetAnnotations()[AnnotationSpecGeneration]
	if !ok {
		return 0, false
	}
	g, err := strconv.ParseInt(v, 10, 64)
	if err != nil || g < 1 {
		return 0, false
	}
	return g, true
}
