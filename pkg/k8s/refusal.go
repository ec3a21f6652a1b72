package k8s

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ConflictError says that an object the operator would make exists already
// in a form the operator cannot take over: it belongs to something else, or
// it is of another shape that cannot change in place. Retrying cannot help;
// the user must rename or remove one of the two.
type ConflictError struct {
	// Kind and Name are the object's.
	Kind, Name string
	// Problem says what is wrong with the existing object and what to do.
	Problem string
}

// Error names the object and the problem.
func (e *ConflictError) Error() string { return fmt.Sprintf("%s %s %s", e.Kind, e.Name, e.Problem) }

// notOwned is the conflict of a name taken by an object owner does not control.
func notOwned(kind, name, owner string) *ConflictError {
	return &ConflictError{Kind: kind, Name: name,
		Problem: "exists and is not owned by " + owner + "; rename or delete one of the two"}
}

// IsRefusal reports whether err, from writing an object the operator
// renders, is one that retrying cannot fix: a ConflictError, or the API
// server finding the object invalid (a name too long, say). Such an error is
// reported in status and as an event, and the object waits for a change
// instead of being retried in a loop.
func IsRefusal(err error) bool {
	var conflict *ConflictError
	return errors.As(err, &conflict) || apierrors.IsInvalid(err)
}
