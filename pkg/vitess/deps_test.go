package vitess

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestLive proves a pass goes on only for an object that exists and is not
// being deleted, and that a read that fails is an error, not a skip.
func TestLive(t *testing.T) {
	now := metav1.Now()
	gone := apierrors.NewNotFound(schema.GroupResource{Resource: "vitesscells"}, "c")
	for _, tc := range []struct {
		name    string
		cell    *v1alpha1.VitessCell
		err     error
		wantOK  bool
		wantErr bool
	}{
		{name: "there", cell: &v1alpha1.VitessCell{}, wantOK: true},
		{name: "deleting", cell: &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}}},
		{name: "gone", err: gone},
		{name: "unreadable", err: errors.New("cache broken"), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, ok, err := live(func(string) (*v1alpha1.VitessCell, error) { return tc.cell, tc.err }, "c")
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantErr, err != nil, "%v", err)
		})
	}
}
