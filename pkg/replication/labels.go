package replication

import (
	"strconv"

	"github.com/vitess-operator/vitess-operator/pkg/k8s"
)

// Labels and annotations the engine puts on member pods. The set label and
// the kind label together select a set's members; the ordinal label says
// which member a pod is; the role label is what the client Service selects.
const (
	LabelKind    = "replication.vitess-operator.io/kind"
	LabelSet     = "replication.vitess-operator.io/set"
	LabelOrdinal = "replication.vitess-operator.io/ordinal"
	LabelRole    = "replication.vitess-operator.io/role"
	// LabelRevision is the revision of the template the pod was made from.
	LabelRevision = "replication.vitess-operator.io/revision"
	// AnnotationFollowing lists the primaries a secondary was started to follow.
	AnnotationFollowing = "replication.vitess-operator.io/following"
)

// Role label values.
const (
	RolePrimary   = "primary"
	RoleSecondary = "secondary"
	RoleStopped   = "stopped"
)

// SetLabels are the labels every member pod of a set carries; together they
// select the set's members.
func SetLabels(kind, name string) map[string]string {
	return map[string]string{LabelKind: kind, LabelSet: k8s.LabelValue(name)}
}

// MemberLabels are the labels a new member pod is created with: the set's,
// its ordinal, the template revision, and the stopped role until a hook
// starts it.
func MemberLabels(kind, name string, ordinal int, revision string) map[string]string {
	l := SetLabels(kind, name)
	l[LabelOrdinal] = strconv.Itoa(ordinal)
	l[LabelRevision] = revision
	l[LabelRole] = RoleStopped
	return l
}
