package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// TestPodSecurityContext proves the pods of the Vitess image run as its
// vitess user (999:999, by number so runAsNonRoot can be checked), never as
// root, with the data claim group-owned by vitess, ownership fixed only when
// the claim's root is wrong, and the runtime's default seccomp filter.
func TestPodSecurityContext(t *testing.T) {
	sc := podSecurityContext()
	require.NotNil(t, sc.RunAsUser)
	assert.Equal(t, int64(999), *sc.RunAsUser)
	require.NotNil(t, sc.RunAsGroup)
	assert.Equal(t, int64(999), *sc.RunAsGroup)
	require.NotNil(t, sc.RunAsNonRoot)
	assert.True(t, *sc.RunAsNonRoot)
	require.NotNil(t, sc.FSGroup)
	assert.Equal(t, int64(999), *sc.FSGroup)
	require.NotNil(t, sc.FSGroupChangePolicy)
	assert.Equal(t, corev1.FSGroupChangeOnRootMismatch, *sc.FSGroupChangePolicy)
	require.NotNil(t, sc.SeccompProfile)
	assert.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, sc.SeccompProfile.Type)
	assert.Nil(t, sc.SupplementalGroups, "fsGroup is the only extra group")
}

// TestContainerSecurityContext proves each container can gain no privilege
// and holds no capability, and that nothing is added back.
func TestContainerSecurityContext(t *testing.T) {
	sc := containerSecurityContext()
	require.NotNil(t, sc.AllowPrivilegeEscalation)
	assert.False(t, *sc.AllowPrivilegeEscalation)
	require.NotNil(t, sc.Capabilities)
	assert.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop)
	assert.Empty(t, sc.Capabilities.Add)
	assert.Nil(t, sc.Privileged)
	assert.Nil(t, sc.RunAsUser, "the user is the pod's")
	require.NotNil(t, sc.ReadOnlyRootFilesystem)
	assert.True(t, *sc.ReadOnlyRootFilesystem, "the image is never written")
}

// TestSecurityContextsAreFresh proves every call returns new objects, so a
// pod's security context can be changed without changing another's.
func TestSecurityContextsAreFresh(t *testing.T) {
	a, b := podSecurityContext(), podSecurityContext()
	*a.RunAsUser, *a.FSGroup = 0, 0
	a.SeccompProfile.Type = corev1.SeccompProfileTypeUnconfined
	assert.Equal(t, podSecurityContext(), b)
	c, d := containerSecurityContext(), containerSecurityContext()
	*c.AllowPrivilegeEscalation = true
	c.Capabilities.Drop[0] = "NET_RAW"
	assert.Equal(t, containerSecurityContext(), d)
}

// assertRestricted checks what the "restricted" Pod Security Standard asks
// of a pod's security settings (the volume types it allows are the only
// kinds the operator renders).
func assertRestricted(t *testing.T, name string, spec corev1.PodSpec) {
	t.Helper()
	assertRestrictedAs(t, name, spec, podSecurityContext())
	for _, c := range spec.Containers {
		assert.Contains(t, c.VolumeMounts, tmpMount(), "%s: container %s writes /tmp on a volume, its root being read-only", name, c.Name)
	}
	assert.Contains(t, spec.Volumes, tmpVolume(), name)
}

// assertRestrictedAs is assertRestricted for a pod of an image whose user
// is another: the pod's security context is want.
func assertRestrictedAs(t *testing.T, name string, spec corev1.PodSpec, want *corev1.PodSecurityContext) {
	t.Helper()
	require.NotNil(t, spec.SecurityContext, name)
	require.NotNil(t, spec.AutomountServiceAccountToken, name)
	assert.False(t, *spec.AutomountServiceAccountToken, "%s: no API token is mounted", name)
	assert.Equal(t, want, spec.SecurityContext, name)
	assert.False(t, spec.HostNetwork || spec.HostPID || spec.HostIPC, name)
	require.NotEmpty(t, spec.Containers, name)
	for _, c := range append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...) {
		require.NotNil(t, c.SecurityContext, "%s: container %s", name, c.Name)
		assert.Equal(t, containerSecurityContext(), c.SecurityContext, "%s: container %s", name, c.Name)
		for _, p := range c.Ports {
			assert.Zero(t, p.HostPort, "%s: container %s port %s", name, c.Name, p.Name)
			assert.Greater(t, p.ContainerPort, int32(1024), "%s: container %s port %s needs no capability", name, c.Name, p.Name)
		}
	}
	for _, v := range spec.Volumes {
		assert.Nil(t, v.HostPath, "%s: volume %s", name, v.Name)
	}
}

// TestTabletPodSecurity proves both containers of every tablet pod, in
// every pool and cell, run with the vitess user's security context and that
// the data claim is among the pod's volumes that fsGroup makes writable.
func TestTabletPodSecurity(t *testing.T) {
	s := testShard()
	s.Spec.Tablets.Batch.Mysql = &v1alpha1.TabletContainer{Image: "example.com/mysqld:1"}
	for _, tb := range Tablets(s) {
		pod := tabletPod(s, tb, "rev", metav1.OwnerReference{Kind: ShardKind, Name: s.Name})
		assertRestricted(t, pod.Name, pod.Spec)
		require.Len(t, pod.Spec.Containers, 2, pod.Name)
		var claim bool
		for _, v := range pod.Spec.Volumes {
			claim = claim || (v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == tabletClaimName(pod.Name))
		}
		assert.True(t, claim, "%s mounts its data claim", pod.Name)
	}
}

// TestTabletPodsShareNoSecurityContext proves two tablet pods hold separate
// security contexts, so an edit of one pod's object cannot reach another's.
func TestTabletPodsShareNoSecurityContext(t *testing.T) {
	s := testShard()
	a := tabletPod(s, tabletOf(t, s, "zone1", PoolMasterEligible), "r", metav1.OwnerReference{})
	b := tabletPod(s, tabletOf(t, s, "zone1", PoolBatch), "r", metav1.OwnerReference{})
	assert.NotSame(t, a.Spec.SecurityContext, b.Spec.SecurityContext)
	assert.NotSame(t, a.Spec.Containers[0].SecurityContext, a.Spec.Containers[1].SecurityContext)
}

// TestServerPodSecurity proves vtctld and vtgate, with and without vtgate
// authentication, run with the same security context as the tablets.
func TestServerPodSecurity(t *testing.T) {
	c := zone1Cell(t)
	vtctld := RenderVtctld(c, cellOwner)
	assertRestricted(t, vtctld.Name, vtctld.Spec.Template.Spec)
	vtgate, _ := RenderVtgate(c, cellOwner)
	assertRestricted(t, vtgate.Name, vtgate.Spec.Template.Spec)
	c.Spec.Vtgate.Authentication = &v1alpha1.VtgateAuthentication{SecretName: "users"}
	vtgate, _ = RenderVtgate(c, cellOwner)
	assertRestricted(t, vtgate.Name+" with authentication", vtgate.Spec.Template.Spec)
}

// TestEtcdPodSecurity proves etcd's pods run as the distroless nonroot user
// of etcd's image, not as the root the image leaves them, with their data
// claim group-writable for it, under the same container restrictions.
func TestEtcdPodSecurity(t *testing.T) {
	cell := &v1alpha1.VitessCell{ObjectMeta: metav1.ObjectMeta{Name: "vt-global", Namespace: testNS},
		Spec: v1alpha1.VitessCellSpec{Cluster: "vt", CellSpec: v1alpha1.CellSpec{Name: "global", Etcd: &v1alpha1.EtcdSpec{Size: 3}}}}
	e := RenderEtcd(cell, metav1.OwnerReference{})
	spec := e.StatefulSet.Spec.Template.Spec
	assertRestrictedAs(t, e.StatefulSet.Name, spec, etcdPodSecurityContext())
	assert.Equal(t, int64(65532), *spec.SecurityContext.RunAsUser)
	assert.Equal(t, int64(65532), *spec.SecurityContext.FSGroup)
	assert.True(t, *spec.SecurityContext.RunAsNonRoot)
}
