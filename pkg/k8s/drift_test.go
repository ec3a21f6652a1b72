package k8s

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func entry(manager, subresource string, at time.Time, fields string) metav1.ManagedFieldsEntry {
	t := metav1.NewTime(at)
	return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, Subresource: subresource,
		Time: &t, FieldsV1: metav1.NewFieldsV1(fields)}
}

// TestSpecEditors: who counts as having edited a child's spec, and whether
// the edit is newer than the operator's last write.
func TestSpecEditors(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	spec, meta := `{"f:spec":{"f:replicas":{}}}`, `{"f:metadata":{"f:annotations":{}}}`
	for _, tc := range []struct {
		name          string
		entries       []metav1.ManagedFieldsEntry
		editor, since string
	}{
		{name: "only the operator", entries: []metav1.ManagedFieldsEntry{entry(FieldManager, "", t0, spec)}},
		{name: "a status writer", entries: []metav1.ManagedFieldsEntry{
			entry(FieldManager, "", t0, spec), entry("kube-controller-manager", "status", t0.Add(time.Minute), `{"f:status":{}}`)}},
		{name: "an annotation by kubectl", entries: []metav1.ManagedFieldsEntry{
			entry(FieldManager, "", t0, spec), entry("kubectl-annotate", "", t0.Add(time.Minute), meta)}},
		{name: "kubectl scale after the operator", editor: "kubectl", since: "kubectl", entries: []metav1.ManagedFieldsEntry{
			entry(FieldManager, "", t0, spec), entry("kubectl", "scale", t0.Add(time.Minute), spec)}},
		{name: "kubectl edit restored since", editor: "kubectl-edit", entries: []metav1.ManagedFieldsEntry{
			entry(FieldManager, "", t0.Add(time.Minute), spec), entry("kubectl-edit", "", t0, `{"f:spec":{"f:minReadySeconds":{}}}`)}},
		{name: "never written by the operator", editor: "kubectl-create", entries: []metav1.ManagedFieldsEntry{
			entry("kubectl-create", "", t0, spec)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &metav1.ObjectMeta{ManagedFields: tc.entries}
			assert.Equal(t, tc.editor, SpecEditor(obj))
			assert.Equal(t, tc.since, SpecEditedSince(obj))
		})
	}
}

// TestSpecEditorIgnoring: an edit of nothing but the ignored field (an
// autoscaler's count, through the scale subresource) is not an edit; one
// that touches anything else of the spec is.
func TestSpecEditorIgnoring(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, fields, editor string
	}{
		{name: "the ignored field through scale", fields: `{"f:spec":{"f:vtgate":{"f:replicas":{}}}}`},
		{name: "the ignored field and its parent map", fields: `{"f:spec":{"f:vtgate":{".":{},"f:replicas":{}}}}`},
		{name: "a sibling of the ignored field", fields: `{"f:spec":{"f:vtgate":{"f:replicas":{},"f:image":{}}}}`, editor: "hpa"},
		{name: "another field of the spec", fields: `{"f:spec":{"f:name":{}}}`, editor: "hpa"},
		{name: "a field of the same name elsewhere", fields: `{"f:spec":{"f:vtctld":{"f:replicas":{}}}}`, editor: "hpa"},
		{name: "the parent map only", fields: `{"f:spec":{"f:vtgate":{}}}`, editor: "hpa"},
		{name: "unreadable fields", fields: `{"f:spec":`, editor: "hpa"},
		{name: "no spec", fields: `{"f:metadata":{"f:labels":{}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &metav1.ObjectMeta{ManagedFields: []metav1.ManagedFieldsEntry{
				entry(FieldManager, "", t0, `{"f:spec":{"f:vtgate":{"f:replicas":{}}}}`),
				entry("hpa", "scale", t0.Add(time.Minute), tc.fields)}}
			assert.Equal(t, tc.editor, SpecEditorIgnoring(obj, "vtgate", "replicas"))
		})
	}
}
