package k8s

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// TestIsRefusal proves which errors of writing a child are taken for ones
// retrying cannot fix (reported and waited on) and which are retried.
func TestIsRefusal(t *testing.T) {
	invalid := apierrors.NewInvalid(schema.GroupKind{Kind: "Service"}, "x.y",
		field.ErrorList{field.Invalid(field.NewPath("metadata", "name"), "x.y", "a DNS-1035 label")})
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"not owned", notOwned("Service", "s", "ReplicatedStatefulSet db"), true},
		{"wrapped conflict", fmt.Errorf("applying: %w", &ConflictError{Kind: "Service", Name: "s", Problem: "exists"}), true},
		{"invalid", invalid, true},
		{"write conflict", apierrors.NewConflict(schema.GroupResource{Resource: "services"}, "s", errors.New("changed")), false},
		{"server busy", apierrors.NewServerTimeout(schema.GroupResource{Resource: "services"}, "create", 1), false},
		{"nil", nil, false},
	} {
		assert.Equal(t, tc.want, IsRefusal(tc.err), tc.name)
	}
}
