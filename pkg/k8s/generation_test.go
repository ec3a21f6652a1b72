package k8s

import (
	"context"
	"maps"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// generations is a store of one ConfigMap that raises its generation as the
// API server does for a spec, here its data: when a write changes it.
type generations struct {
	stored  *corev1.ConfigMap
	updates int
	rv      int
}

func (g *generations) write(obj *corev1.ConfigMap) *corev1.ConfigMap {
	next := obj.DeepCopy()
	g.rv++
	next.ResourceVersion = strconv.Itoa(g.rv)
	switch {
	case g.stored == nil:
		next.Generation = 1
	case !maps.Equal(g.stored.Data, next.Data):
		next.Generation = g.stored.Generation + 1
	default:
		next.Generation = g.stored.Generation
	}
	g.stored = next
	return next.DeepCopy()
}

func (g *generations) applier() Applier[*corev1.ConfigMap] {
	return Applier[*corev1.ConfigMap]{
		Get: func(_, name string) (*corev1.ConfigMap, error) {
			if g.stored == nil {
				return nil, apierrors.NewNotFound(configMaps, name)
			}
			return g.stored.DeepCopy(), nil
		},
		Create: func(_ context.Context, obj *corev1.ConfigMap) (*corev1.ConfigMap, error) { return g.write(obj), nil },
		Update: func(_ context.Context, obj *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			g.updates++
			// The owner's write takes back the fields it changes: the
			// editor's entry goes, as the API server drops an emptied
			// entry. A write that changes nothing leaves it co-owning.
			obj = obj.DeepCopy()
			if !maps.Equal(g.stored.Data, obj.Data) {
				obj.ManagedFields = nil
			}
			return g.write(obj), nil
		},
		Merge: func(have, want *corev1.ConfigMap) *corev1.ConfigMap {
			upd := have.DeepCopy()
			upd.Labels, upd.Data = want.Labels, want.Data
			return upd
		},
	}.WithGenerationStamp().WithDriftMemory()
}

// edit changes the stored data as another client would, through the scale
// subresource: its managedFields entry has no time.
func (g *generations) edit(manager, data string) {
	obj := g.stored.DeepCopy()
	obj.Data = map[string]string{"k": data}
	obj.ManagedFields = append(obj.ManagedFields, metav1.ManagedFieldsEntry{Manager: manager, Subresource: "scale",
		Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: metav1.NewFieldsV1(`{"f:spec":{"f:replicas":{}}}`)})
	g.write(obj)
}

// TestGenerationStamp: each write is stamped with the generation it left,
// in the same write when the spec changed or stayed as expected, with a
// second write when the API server's generation is not the expected one;
// an edit by anyone raises the generation above the stamp until the owner
// restores it, with or without times in managedFields.
func TestGenerationStamp(t *testing.T) {
	ctx := t.Context()
	g := &generations{}
	a := g.applier()
	apply := func(data string, spec any) {
		t.Helper()
		want := wantConfigMap(data)
		want.OwnerReferences = nil
		_, err := a.Apply(ctx, want, spec)
		require.NoError(t, err)
	}
	stamp := func() string { return g.stored.Annotations[AnnotationSpecGeneration] }

	apply("1", "1")
	assert.Equal(t, "1", stamp(), "a new object")
	assert.Equal(t, "", SpecEditedSince(g.stored))

	apply("2", "2")
	assert.Equal(t, int64(2), g.stored.Generation)
	assert.Equal(t, "2", stamp(), "a spec change, stamped in its own write")
	assert.Equal(t, 1, g.updates)

	g.edit("kubectl", "0")
	assert.Equal(t, "kubectl", SpecEditedSince(g.stored), "kubectl scale, whose entry has no time")

	apply("2", "2")
	assert.Equal(t, int64(4), g.stored.Generation)
	assert.Equal(t, "4", stamp(), "the restored edit")
	assert.Equal(t, "", SpecEditedSince(g.stored))
	assert.Equal(t, 2, g.updates)

	apply("2", "another rendering of the same spec")
	assert.Equal(t, int64(4), g.stored.Generation)
	assert.Equal(t, "4", stamp(), "a write that left the spec as it was is stamped again")
	assert.Equal(t, 4, g.updates, "one write for the new hash, one for the stamp")
	assert.Equal(t, "", SpecEditedSince(g.stored))

	edited := g.stored.DeepCopy()
	edited.Generation, edited.ManagedFields = edited.Generation+1, nil
	assert.Equal(t, "another client", SpecEditedSince(edited), "an edit no managedFields entry shows")

	unstamped := g.stored.DeepCopy()
	delete(unstamped.Annotations, AnnotationSpecGeneration)
	unstamped.Generation = 9
	assert.Equal(t, "", SpecEditedSince(unstamped), "without a stamp only the times decide")

	// An object written before stamps is stamped once, by a write of its
	// metadata, and then left alone.
	delete(g.stored.Annotations, AnnotationSpecGeneration)
	apply("2", "another rendering of the same spec")
	assert.Equal(t, int64(4), g.stored.Generation)
	assert.Equal(t, "4", stamp())
	assert.Equal(t, 5, g.updates, "one write, of the stamp alone")
	apply("2", "another rendering of the same spec")
	assert.Equal(t, 5, g.updates, "a stamped object is not written again")

	// Scaled away and back to the owner's value before the owner looked:
	// the editor co-owns the field after the correction, which changed
	// nothing of the spec and so is stamped again; the drift memory holds
	// the object as the stamp left it, so it is corrected once.
	g.edit("kubectl", "0")
	g.edit("kubectl", "2")
	assert.Equal(t, "kubectl", SpecEditedSince(g.stored))
	apply("2", "another rendering of the same spec")
	assert.Equal(t, 7, g.updates, "the correction and its stamp")
	assert.Equal(t, "", SpecEditedSince(g.stored))
	apply("2", "another rendering of the same spec")
	assert.Equal(t, 7, g.updates, "a corrected edit that left its entry is not corrected again")
}
