package k8s

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stypes "k8s.io/apimachinery/pkg/types"
)

var configMaps = schema.GroupResource{Resource: "configmaps"}

// fakeConfigMaps is a store of one ConfigMap behind an Applier's closures,
// recording the writes.
type fakeConfigMaps struct {
	stored    *corev1.ConfigMap
	getErr    error
	writeErr  error
	created   []*corev1.ConfigMap
	updated   []*corev1.ConfigMap
	merged    int
	lastMerge [2]*corev1.ConfigMap
}

func (f *fakeConfigMaps) applier() Applier[*corev1.ConfigMap] {
	return Applier[*corev1.ConfigMap]{
		Get: func(namespace, name string) (*corev1.ConfigMap, error) {
			if f.getErr != nil {
				return nil, f.getErr
			}
			if f.stored == nil || f.stored.Namespace != namespace || f.stored.Name != name {
				return nil, apierrors.NewNotFound(configMaps, name)
			}
			return f.stored, nil
		},
		Create: func(_ context.Context, obj *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			f.created = append(f.created, obj.DeepCopy())
			return obj, f.writeErr
		},
		Update: func(_ context.Context, obj *corev1.ConfigMap) (*corev1.ConfigMap, error) {
			f.updated = append(f.updated, obj.DeepCopy())
			return obj, f.writeErr
		},
		Merge: func(have, want *corev1.ConfigMap) *corev1.ConfigMap {
			f.merged++
			f.lastMerge = [2]*corev1.ConfigMap{have, want}
			upd := have.DeepCopy()
			upd.Labels = want.Labels
			upd.Data = want.Data
			return upd
		},
	}
}

func ownerRefWithUID(uid string) metav1.OwnerReference {
	return ControllerRef(&metav1.ObjectMeta{Name: "owner-" + uid, UID: k8stypes.UID(uid)}, schema.GroupVersionKind{Version: "v1", Kind: "Owner"})
}

// wantConfigMap is the desired object of the tests, owned by owner "a".
func wantConfigMap(data string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "cm", Namespace: "ns", Labels: map[string]string{"app": "x"},
			OwnerReferences: []metav1.OwnerReference{ownerRefWithUID("a")}},
		Data: map[string]string{"k": data},
	}
}

// storedAs is what the API server holds after the operator applied want:
// want with its hash annotation, plus what others added.
func storedAs(t *testing.T, want *corev1.ConfigMap) *corev1.ConfigMap {
	t.Helper()
	hash, err := Hash(want.Data)
	require.NoError(t, err)
	s := want.DeepCopy()
	s.ResourceVersion = "7"
	s.Annotations = map[string]string{AnnotationSpecHash: hash, "other": "kept"}
	return s
}

func TestApplyCreatesWhenMissing(t *testing.T) {
	f := &fakeConfigMaps{}
	want := wantConfigMap("1")
	wrote, err := f.applier().Apply(context.Background(), want, want.Data)
	require.NoError(t, err)
	assert.True(t, wrote)
	require.Len(t, f.created, 1)
	assert.Empty(t, f.updated)
	hash, _ := Hash(want.Data)
	assert.Equal(t, hash, f.created[0].Annotations[AnnotationSpecHash], "the created object records the hash")
	assert.Equal(t, want.Data, f.created[0].Data)
}

func TestApplyCreateRace(t *testing.T) {
	f := &fakeConfigMaps{writeErr: apierrors.NewAlreadyExists(configMaps, "cm")}
	wrote, err := f.applier().Apply(context.Background(), wantConfigMap("1"), "spec")
	require.NoError(t, err, "an object created meanwhile is left for the next pass")
	assert.True(t, wrote)
}

func TestApplyErrors(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		f       *fakeConfigMaps
		wantMsg string
	}{
		{name: "create fails", f: &fakeConfigMaps{writeErr: boom}, wantMsg: "creating cm: boom"},
		{name: "read fails", f: &fakeConfigMaps{getErr: boom}, wantMsg: "boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wrote, err := tc.f.applier().Apply(context.Background(), wantConfigMap("1"), "spec")
			assert.False(t, wrote)
			require.ErrorIs(t, err, boom)
			assert.EqualError(t, err, tc.wantMsg)
		})
	}
}

func TestApplyExisting(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stored    func(t *testing.T) *corev1.ConfigMap
		wantWrite bool
	}{
		{name: "equal hash: no write",
			stored: func(t *testing.T) *corev1.ConfigMap { return storedAs(t, wantConfigMap("1")) }},
		{name: "equal hash, extra labels from others: no write",
			stored: func(t *testing.T) *corev1.ConfigMap {
				s := storedAs(t, wantConfigMap("1"))
				s.Labels["added"] = "by-someone"
				return s
			}},
		{name: "equal hash, stored defaults differ: no write",
			stored: func(t *testing.T) *corev1.ConfigMap {
				s := storedAs(t, wantConfigMap("1"))
				s.Data["defaulted"] = "by-the-server"
				return s
			}},
		{name: "different hash: update", wantWrite: true,
			stored: func(t *testing.T) *corev1.ConfigMap { return storedAs(t, wantConfigMap("0")) }},
		{name: "no hash recorded: update", wantWrite: true,
			stored: func(t *testing.T) *corev1.ConfigMap {
				s := storedAs(t, wantConfigMap("1"))
				delete(s.Annotations, AnnotationSpecHash)
				return s
			}},
		{name: "a wanted label is missing: update", wantWrite: true,
			stored: func(t *testing.T) *corev1.ConfigMap {
				s := storedAs(t, wantConfigMap("1"))
				s.Labels = nil
				return s
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeConfigMaps{stored: tc.stored(t)}
			before := f.stored.DeepCopy()
			want := wantConfigMap("1")
			wrote, err := f.applier().Apply(context.Background(), want, want.Data)
			require.NoError(t, err)
			assert.Equal(t, tc.wantWrite, wrote)
			assert.Empty(t, f.created)
			assert.Equal(t, before, f.stored, "the lister's copy is never modified")
			if !tc.wantWrite {
				assert.Empty(t, f.updated)
				assert.Zero(t, f.merged)
				return
			}
			require.Len(t, f.updated, 1)
			upd := f.updated[0]
			hash, _ := Hash(want.Data)
			assert.Equal(t, hash, upd.Annotations[AnnotationSpecHash])
			assert.Equal(t, "kept", upd.Annotations["other"], "others' annotations stay")
			assert.Equal(t, "7", upd.ResourceVersion, "the update is of the stored object")
			assert.Equal(t, want.Data, upd.Data)
			assert.Same(t, f.stored, f.lastMerge[0])
			assert.Same(t, want, f.lastMerge[1])
		})
	}
}

func TestApplyRefusesAnotherOwner(t *testing.T) {
	for _, tc := range []struct {
		name   string
		owners []metav1.OwnerReference
	}{
		{name: "another controller", owners: []metav1.OwnerReference{ownerRefWithUID("b")}},
		{name: "no controller", owners: nil},
		{name: "owned but not controlled", owners: []metav1.OwnerReference{{Kind: "Owner", Name: "owner-a", UID: k8stypes.UID("a")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored := storedAs(t, wantConfigMap("0"))
			stored.OwnerReferences = tc.owners
			f := &fakeConfigMaps{stored: stored}
			wrote, err := f.applier().Apply(context.Background(), wantConfigMap("1"), "spec")
			assert.False(t, wrote)
			assert.EqualError(t, err, "ConfigMap cm exists and is not owned by Owner owner-a; rename or delete one of the two")
			assert.Empty(t, f.updated)
			assert.Empty(t, f.created)
		})
	}
}

func TestApplyWithoutControllerSkipsTheOwnerCheck(t *testing.T) {
	// A desired object without a controller reference is not checked for one.
	stored := storedAs(t, wantConfigMap("0"))
	stored.OwnerReferences = []metav1.OwnerReference{ownerRefWithUID("b")}
	f := &fakeConfigMaps{stored: stored}
	want := wantConfigMap("1")
	want.OwnerReferences = nil
	wrote, err := f.applier().Apply(context.Background(), want, want.Data)
	require.NoError(t, err)
	assert.True(t, wrote)
}

func TestApplyUpdateConflict(t *testing.T) {
	f := &fakeConfigMaps{stored: storedAs(t, wantConfigMap("0")),
		writeErr: apierrors.NewConflict(configMaps, "cm", errors.New("stale"))}
	wrote, err := f.applier().Apply(context.Background(), wantConfigMap("1"), "spec")
	assert.False(t, wrote)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "updating cm: ")
	assert.True(t, apierrors.IsConflict(err), "the worker must still see a conflict")
}
