package k8s

import (
	"bytes"
	"encoding/json"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// FieldManager is the name the API server records in managedFields for the
// operator's writes: it derives it from the user agent the operator sets.
const FieldManager = "vitess-operator"

// SpecEditor returns a manager other than the operator that changed obj's
// spec, through an update, a server-side apply or the scale subresource
// (kubectl edit, kubectl scale, kubectl apply); "" when none did. Status
// writers (controllers reporting on the object) do not count.
func SpecEditor(obj metav1.Object) string { return SpecEditorIgnoring(obj) }

// SpecEditorIgnoring is SpecEditor, except that an edit that touched nothing
// of the spec but the field at ignored (its path below spec, such as
// "vtgate", "replicas") does not count: the owner leaves that field to
// another controller, such as a HorizontalPodAutoscaler writing through
// the scale subresource.
func SpecEditorIgnoring(obj metav1.Object, ignored ...string) string {
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == FieldManager || mf.FieldsV1 == nil {
			continue
		}
		if mf.Subresource != "" && mf.Subresource != "scale" {
			continue
		}
		raw := mf.FieldsV1.GetRawBytes()
		if !bytes.Contains(raw, []byte(`"f:spec"`)) {
			continue
		}
		if len(ignored) == 0 || editsSpecBeyond(raw, ignored) {
			return mf.Manager
		}
	}
	return ""
}

// editsSpecBeyond reports whether a managedFields entry's fields (FieldsV1
// JSON: {"f:spec":{"f:vtgate":{".":{},"f:replicas":{}}}}) own any part of
// the spec other than the field at path. A map owned only as the parent of
// that field (its "." entry) does not count. Fields that cannot be read
// count as an edit.
func editsSpecBeyond(raw []byte, path []string) bool {
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil {
		return true
	}
	spec, ok := fields["f:spec"].(map[string]any)
	if !ok {
		return true
	}
	return ownsBeyond(spec, path)
}

// ownsBeyond reports whether the fields set m owns anything but the field
// at path below it.
func ownsBeyond(m map[string]any, path []string) bool {
	if len(path) == 0 {
		return false
	}
	for k, v := range m {
		switch k {
		case ".":
			continue
		case "f:" + path[0]:
			// An empty set on the way owns the whole field as one value.
			child, ok := v.(map[string]any)
			if !ok || (len(child) == 0 && len(path) > 1) || ownsBeyond(child, path[1:]) {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// SpecEditedSince returns a manager other than the operator whose edit of
// obj's spec is newer than the operator's last write of it: the edit has
// not been restored yet. An object the operator never wrote has no such
// edit. An object stamped with the generation of the operator's write
// (WithGenerationStamp) is edited when its generation is higher; the editor
// is then named from managedFields, or "another client" when none shows.
// Without a stamp (written by an operator before stamps, until the owner's
// next pass stamps it) the times in managedFields decide: they have a
// resolution of one second, and a write through the scale subresource has
// none, so such edits are not reported here, and are restored by the owner
// all the same (Applier.Apply).
func SpecEditedSince(obj metav1.Object) string {
	if g, ok := stampedGeneration(obj); ok {
		if obj.GetGeneration() <= g {
			return ""
		}
		if editor := SpecEditor(obj); editor != "" {
			return editor
		}
		return "another client"
	}
	return specEditedAfterTime(obj)
}

// specEditedAfterTime is SpecEditedSince for an object without a stamp.
func specEditedAfterTime(obj metav1.Object) string {
	var ours *metav1.Time
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == FieldManager && mf.Subresource == "" && mf.Time != nil && (ours == nil || ours.Before(mf.Time)) {
			ours = mf.Time
		}
	}
	if ours == nil {
		return ""
	}
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == FieldManager || mf.FieldsV1 == nil || mf.Time == nil || !ours.Before(mf.Time) {
			continue
		}
		if (mf.Subresource == "" || mf.Subresource == "scale") && bytes.Contains(mf.FieldsV1.GetRawBytes(), []byte(`"f:spec"`)) {
			return mf.Manager
		}
	}
	return ""
}

// corrections remembers, per object, the resource version the operator's
// own drift correction returned. An edit that set a field to the value the
// operator wants leaves its manager co-owning the field after the
// correction; while nobody has written since, the object is not corrected
// again, so a leftover entry never makes a write per pass.
type corrections struct {
	mu  sync.Mutex
	rvs map[types.UID]string
}

func (c *corrections) done(obj metav1.Object) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rvs[obj.GetUID()] == obj.GetResourceVersion()
}

func (c *corrections) remember(obj metav1.Object) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rvs == nil {
		c.rvs = map[types.UID]string{}
	}
	c.rvs[obj.GetUID()] = obj.GetResourceVersion()
}
