package vitess

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// vtgate asks MySQL clients for a password by default. A cell that names no
// Secret of its own (vtgate.authentication) and does not choose an auth
// server in its flags gets the cluster's generated one: a Secret made once,
// with a random password, that the operator never overwrites and never
// reads back.
const (
	// VtgateAuthUsersKey is the generated Secret's key of Vitess's static
	// users file.
	VtgateAuthUsersKey = "users.json"
	// VtgateAuthUserKey and VtgateAuthPasswordKey hold the user and password
	// on their own, for people and programs that connect.
	VtgateAuthUserKey     = "username"
	VtgateAuthPasswordKey = "password"
	// VtgateAuthUser is the MySQL user the generated Secret holds.
	VtgateAuthUser = "vitess"
)

// authImplFlags are the spellings of vtgate's auth server flag; Vitess v24
// takes both, and a user who sets either has chosen their own.
var authImplFlags = []string{"mysql-auth-server-impl", "mysql_auth_server_impl"}

// VtgateAuthSecretName is the name of a cluster's generated vtgate Secret.
func VtgateAuthSecretName(cluster string) string { return cluster + "-vtgate-auth" }

// wantsGeneratedAuth reports whether a cell's vtgate uses the generated
// Secret: it runs a vtgate, names no Secret and leaves the auth server to
// the operator.
func wantsGeneratedAuth(c v1alpha1.CellSpec) bool {
	if c.Vtgate == nil || c.Vtgate.Authentication != nil {
		return false
	}
	for _, f := range authImplFlags {
		if _, ok := c.Vtgate.Flags[f]; ok {
			return false
		}
	}
	return true
}

// withDefaultAuth returns the cell with the generated Secret as its vtgate
// authentication when it wants it (wantsGeneratedAuth).
func withDefaultAuth(cluster string, c v1alpha1.CellSpec) v1alpha1.CellSpec {
	if wantsGeneratedAuth(c) {
		c.Vtgate.Authentication = &v1alpha1.VtgateAuthentication{SecretName: VtgateAuthSecretName(cluster), Key: VtgateAuthUsersKey}
	}
	return c
}

// needsGeneratedAuth reports whether any cell of the cluster uses the
// generated Secret.
func needsGeneratedAuth(vc *v1alpha1.VitessCluster) bool {
	for _, c := range vc.Spec.Cells {
		if wantsGeneratedAuth(c) {
			return true
		}
	}
	return false
}

// staticUser is one entry of Vitess's static users file
// (go/mysql/auth_server_static.go: AuthServerStaticEntry).
type staticUser struct {
	Password string `json:"Password"`
	UserData string `json:"UserData"`
}

// RenderVtgateAuthSecret renders the generated Secret of cluster vc with
// password, owned by the cluster so that it goes with it.
func RenderVtgateAuthSecret(vc *v1alpha1.VitessCluster, owner metav1.OwnerReference, password string) (*corev1.Secret, error) {
	users, err := json.Marshal(map[string][]staticUser{VtgateAuthUser: {{Password: password, UserData: VtgateAuthUser}}})
	if err != nil {
		return nil, fmt.Errorf("rendering the vtgate users of %s: %w", vc.Name, err)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: VtgateAuthSecretName(vc.Name), Namespace: vc.Namespace,
			Labels: childLabels(vc, map[string]string{}), OwnerReferences: []metav1.OwnerReference{owner}},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{
			VtgateAuthUsersKey:    users,
			VtgateAuthUserKey:     []byte(VtgateAuthUser),
			VtgateAuthPasswordKey: []byte(password),
		},
	}, nil
}

// newPassword returns 24 random bytes from the system's CSPRNG, URL-safe
// base64 encoded: no character a shell or a DSN would trip on.
func newPassword() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
