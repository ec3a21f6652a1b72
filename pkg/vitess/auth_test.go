package vitess

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestVtgateAuthIsOnByDefault proves a cell's vtgate asks for passwords
// unless the user chose otherwise: the generated Secret when the cell names
// none, the user's Secret when it names one, and nothing of the operator's
// when the user's flags choose the auth server.
func TestVtgateAuthIsOnByDefault(t *testing.T) {
	generated := &v1alpha1.VtgateAuthentication{SecretName: "shop-vtgate-auth", Key: "users.json"}
	own := &v1alpha1.VtgateAuthentication{SecretName: "mine"}
	for _, tc := range []struct {
		name   string
		vtgate *v1alpha1.VtgateSpec
		want   *v1alpha1.VtgateAuthentication
		impl   string
	}{
		{"default: generated Secret", &v1alpha1.VtgateSpec{}, generated, "static"},
		{"user's Secret", &v1alpha1.VtgateSpec{Authentication: own}, own, "static"},
		{"opted out with dashes", &v1alpha1.VtgateSpec{ComponentSpec: v1alpha1.ComponentSpec{
			Flags: map[string]string{"mysql-auth-server-impl": "none"}}}, nil, "none"},
		{"opted out with underscores", &v1alpha1.VtgateSpec{ComponentSpec: v1alpha1.ComponentSpec{
			Flags: map[string]string{"mysql_auth_server_impl": "none"}}}, nil, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: testNS}}
			vc.Spec.Cells = []v1alpha1.CellSpec{{Name: "zone1", Vtgate: tc.vtgate}}
			spec := withDefaultAuth(vc.Name, *vc.Spec.Cells[0].DeepCopy())
			assert.Equal(t, tc.want, spec.Vtgate.Authentication)
			assert.Equal(t, tc.want == generated, needsGeneratedAuth(vc))

			cell := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "shop-zone1", Namespace: testNS},
				Spec: v1alpha1.VitessCellSpec{Cluster: vc.Name, CellSpec: spec}}
			d, _ := RenderVtgate(cell, cellOwner)
			args := d.Spec.Template.Spec.Containers[0].Args
			assert.Contains(t, args, "--mysql-auth-server-impl="+tc.impl)
			if tc.want != nil {
				require.Len(t, d.Spec.Template.Spec.Volumes, 2, "/tmp and the users file")
				assert.Equal(t, tc.want.SecretName, d.Spec.Template.Spec.Volumes[1].Secret.SecretName)
			}
		})
	}
	assert.False(t, needsGeneratedAuth(&v1alpha1.VitessCluster{Spec: v1alpha1.VitessClusterSpec{
		Cells: []v1alpha1.CellSpec{{Name: "global"}}}}), "a cell without vtgate needs no Secret")
}

// TestVtgateAuthSecretIsMadeOnceAndNeverOverwritten proves the generated
// Secret holds a random password in Vitess's users file, is owned by the
// cluster, is created once, and is left alone when it exists.
func TestVtgateAuthSecretIsMadeOnceAndNeverOverwritten(t *testing.T) {
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: testNS, UID: "uid-1"}}
	owner := controllerRef(vc, ClusterKind)
	kube := fake.NewClientset()
	a := newGeneratedSecrets(kube)
	require.NoError(t, a.ensureVtgateAuth(context.Background(), vc, owner))
	require.NoError(t, a.ensureVtgateAuth(context.Background(), vc, owner))
	assert.Len(t, kube.Actions(), 2, "one get and one create; the second pass remembered it")

	s, err := kube.CoreV1().Secrets(testNS).Get(context.Background(), "shop-vtgate-auth", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, []metav1.OwnerReference{owner}, s.OwnerReferences)
	password := string(s.Data[VtgateAuthPasswordKey])
	assert.Len(t, password, 32, "24 random bytes, base64")
	var users map[string][]staticUser
	require.NoError(t, json.Unmarshal(s.Data[VtgateAuthUsersKey], &users))
	assert.Equal(t, []staticUser{{Password: password, UserData: VtgateAuthUser}}, users[VtgateAuthUser])

	// A second operator (a restart) finds it and changes nothing; another
	// cluster gets another password.
	require.NoError(t, newGeneratedSecrets(kube).ensureVtgateAuth(context.Background(), vc, owner))
	s2, err := kube.CoreV1().Secrets(testNS).Get(context.Background(), "shop-vtgate-auth", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, s.Data, s2.Data)
	other := vc.DeepCopy()
	other.Name, other.UID = "shop2", "uid-2"
	require.NoError(t, a.ensureVtgateAuth(context.Background(), other, controllerRef(other, ClusterKind)))
	s3, err := kube.CoreV1().Secrets(testNS).Get(context.Background(), "shop2-vtgate-auth", metav1.GetOptions{})
	require.NoError(t, err)
	assert.NotEqual(t, password, string(s3.Data[VtgateAuthPasswordKey]))
}

// TestVtgateAuthSecretOfTheUserIsKept proves a Secret of that name that the
// user made first is used as it is.
func TestVtgateAuthSecretOfTheUserIsKept(t *testing.T) {
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: testNS, UID: "uid-1"}}
	mine := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "shop-vtgate-auth", Namespace: testNS},
		Data: map[string][]byte{VtgateAuthUsersKey: []byte(`{"me":[{"Password":"x"}]}`)}}
	kube := fake.NewClientset([]runtime.Object{mine}...)
	require.NoError(t, newGeneratedSecrets(kube).ensureVtgateAuth(context.Background(), vc, controllerRef(vc, ClusterKind)))
	s, err := kube.CoreV1().Secrets(testNS).Get(context.Background(), "shop-vtgate-auth", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, mine.Data, s.Data)
	assert.Empty(t, s.OwnerReferences)
}
