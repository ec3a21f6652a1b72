package k8s

import (
	"bytes"
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
func SpecEditor(obj metav1.Object) string {
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == FieldManager || mf.FieldsV1 == nil {
			continue
		}
		if mf.Subresource != "" && mf.Subresource != "scale" {
			continue
		}
		if bytes.Contains(mf.FieldsV1.GetRawBytes(), []byte(`"f:spec"`)) {
			return mf.Manager
		}
	}
	return ""
}

// SpecEditedSince returns a manager other than the operator whose edit of
// obj's spec is newer than the operator's last write of it: the edit has
// not been restored yet. An object the operator never wrote has no such
// edit. Times in managedFields have a resolution of one second; an edit in
// the same second as the operator's write is not reported here, and is
// restored by the owner all the same (Applier.Apply).
func SpecEditedSince(obj metav1.Object) string {
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
