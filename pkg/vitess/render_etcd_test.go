package vitess

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// etcdCell is a cell with an etcd of size members.
func etcdCell(size int32, claim *corev1.PersistentVolumeClaimSpec) *v1alpha1.VitessCell {
	return &v1alpha1.VitessCell{
		ObjectMeta: metav1.ObjectMeta{Name: "shop-zone1", Namespace: testNS},
		Spec: v1alpha1.VitessCellSpec{Cluster: "shop",
			CellSpec: v1alpha1.CellSpec{Name: "zone1", Etcd: &v1alpha1.EtcdSpec{Size: size, VolumeClaim: claim}}},
	}
}

// TestRenderEtcd proves the etcd of a cell bootstraps statically from every
// member's stable name, starts its members in parallel, keeps a quorum
// through voluntary disruptions, and stores data on the claim asked for.
func TestRenderEtcd(t *testing.T) {
	fiveGi := &corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("5Gi")}},
	}
	for _, tc := range []struct {
		size, wantMembers, wantUnavailable int32
		claim                              *corev1.PersistentVolumeClaimSpec
		wantSize                           string
	}{
		{size: 1, wantMembers: 1, wantUnavailable: 0, wantSize: "1Gi"},
		{size: 2, wantMembers: 2, wantUnavailable: 0, wantSize: "1Gi"},
		{size: 3, wantMembers: 3, wantUnavailable: 1, claim: fiveGi, wantSize: "5Gi"},
		{size: 5, wantMembers: 5, wantUnavailable: 2, wantSize: "1Gi"},
		{size: 0, wantMembers: 3, wantUnavailable: 1, wantSize: "1Gi"},
	} {
		t.Run(fmt.Sprintf("size %d", tc.size), func(t *testing.T) {
			e := RenderEtcd(etcdCell(tc.size, tc.claim), cellOwner)
			name := "shop-etcd-zone1"
			sts := e.StatefulSet
			assert.Equal(t, name, sts.Name)
			require.NotNil(t, sts.Spec.Replicas)
			assert.Equal(t, tc.wantMembers, *sts.Spec.Replicas)
			assert.Equal(t, appsv1.ParallelPodManagement, sts.Spec.PodManagementPolicy)
			assert.Equal(t, e.Peers.Name, sts.Spec.ServiceName)
			assert.Equal(t, corev1.ClusterIPNone, e.Peers.Spec.ClusterIP)
			assert.True(t, e.Peers.Spec.PublishNotReadyAddresses)
			assert.Equal(t, "shop-etcd-zone1-client", e.Client.Name)

			var initial string
			for _, a := range sts.Spec.Template.Spec.Containers[0].Command {
				if v, ok := strings.CutPrefix(a, "--initial-cluster="); ok {
					initial = v
				}
			}
			var want []string
			for i := int32(0); i < tc.wantMembers; i++ {
				want = append(want, fmt.Sprintf("%s-%d=http://%s-%d.%s.%s.svc:2380", name, i, name, i, name, testNS))
			}
			assert.Equal(t, strings.Join(want, ","), initial)

			require.NotNil(t, e.PDB.Spec.MaxUnavailable)
			assert.Equal(t, tc.wantUnavailable, e.PDB.Spec.MaxUnavailable.IntVal)
			assert.True(t, labels.SelectorFromSet(e.PDB.Spec.Selector.MatchLabels).Matches(labels.Set(sts.Spec.Template.Labels)))

			require.Len(t, sts.Spec.VolumeClaimTemplates, 1)
			claim := sts.Spec.VolumeClaimTemplates[0]
			size := claim.Spec.Resources.Requests[corev1.ResourceStorage]
			assert.Equal(t, tc.wantSize, size.String())
			assert.Equal(t, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, claim.Spec.AccessModes)
			assert.Equal(t, claim.Name, sts.Spec.Template.Spec.Containers[0].VolumeMounts[0].Name)
			assert.Equal(t, new(false), sts.Spec.Template.Spec.AutomountServiceAccountToken, "etcd gets no API token")
			for _, obj := range []metav1.Object{sts, e.Peers, e.Client, e.PDB} {
				assert.Equal(t, []metav1.OwnerReference{cellOwner}, obj.GetOwnerReferences(), obj.GetName())
			}
		})
	}
}

// TestEtcdImage proves a cell's etcd runs the image asked for, else the
// version asked for (with or without a leading v), else the default.
func TestEtcdImage(t *testing.T) {
	for _, tc := range []struct {
		spec v1alpha1.EtcdSpec
		want string
	}{
		{v1alpha1.EtcdSpec{}, "quay.io/coreos/etcd:v3.6.8"},
		{v1alpha1.EtcdSpec{Version: "3.5.17"}, "quay.io/coreos/etcd:v3.5.17"},
		{v1alpha1.EtcdSpec{Version: "v3.5.17"}, "quay.io/coreos/etcd:v3.5.17"},
		{v1alpha1.EtcdSpec{Version: "3.5.17", Image: "registry.local/etcd:x"}, "registry.local/etcd:x"},
	} {
		c := etcdCell(1, nil)
		c.Spec.Etcd = &tc.spec
		assert.Equal(t, tc.want, RenderEtcd(c, cellOwner).StatefulSet.Spec.Template.Spec.Containers[0].Image, "%+v", tc.spec)
	}
}

// admits reports whether policy lets a pod of the same namespace with
// labels reach port of the pods it selects, as a NetworkPolicy
// implementation reads it (pod selectors only; the policy has no others).
func admits(t *testing.T, policy networkingv1.NetworkPolicySpec, from map[string]string, port int32) bool {
	t.Helper()
	for _, rule := range policy.Ingress {
		portOK := false
		for _, p := range rule.Ports {
			portOK = portOK || (p.Port.IntVal == port && *p.Protocol == corev1.ProtocolTCP)
		}
		for _, peer := range rule.From {
			require.Nil(t, peer.NamespaceSelector, "the policy admits only pods of its own namespace")
			require.Nil(t, peer.IPBlock)
			sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
			require.NoError(t, err)
			if portOK && sel.Matches(labels.Set(from)) {
				return true
			}
		}
	}
	return false
}

// TestEtcdNetworkPolicyAdmitsOnlyItsCluster proves the policy rendered with
// a cell's etcd selects exactly its members and admits the cluster's own
// pods to the client port, only the members to the peer port, and nobody
// else to anything.
func TestEtcdNetworkPolicyAdmitsOnlyItsCluster(t *testing.T) {
	e := RenderEtcd(etcdCell(3, nil), cellOwner)
	p := e.Policy
	assert.Equal(t, e.StatefulSet.Name, p.Name)
	assert.Equal(t, testNS, p.Namespace)
	assert.Equal(t, []metav1.OwnerReference{cellOwner}, p.OwnerReferences)
	assert.Equal(t, e.StatefulSet.Spec.Selector.MatchLabels, p.Spec.PodSelector.MatchLabels, "selects the etcd's members")
	assert.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, p.Spec.PolicyTypes)

	member := e.StatefulSet.Spec.Template.Labels
	for _, tc := range []struct {
		name         string
		from         map[string]string
		client, peer bool
	}{
		{"a member", member, true, true},
		{"a tablet of the cluster", map[string]string{LabelCluster: "shop", LabelComponent: componentVttablet, LabelCell: "zone1"}, true, false},
		{"vtctld of the cluster", vtctldLabels("shop"), true, false},
		{"the etcd of another cell", componentLabels("shop", "global", componentEtcd), true, false},
		{"a pod of another cluster", map[string]string{LabelCluster: "other", LabelComponent: componentVttablet}, false, false},
		{"the etcd of another cluster", componentLabels("other", "zone1", componentEtcd), false, false},
		{"an unlabelled pod", map[string]string{"app": "debug"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.client, admits(t, p.Spec, tc.from, EtcdPort), "client port")
			assert.Equal(t, tc.peer, admits(t, p.Spec, tc.from, EtcdPeer), "peer port")
			assert.False(t, admits(t, p.Spec, tc.from, 22), "any other port")
		})
	}
}
