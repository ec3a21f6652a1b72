package controller

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ref returns an owner reference; controller marks it as the controlling one.
func ref(apiVersion, kind, name string, controller bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("uid-" + name), Controller: &controller}
}

// TestOwnerKey proves that ownerKey recognises a controlling owner only when
// both its kind and its API group are one of the managed kinds, whatever the
// version, and ignores non-controller and malformed references.
func TestOwnerKey(t *testing.T) {
	tests := []struct {
		name string
		refs []metav1.OwnerReference
		want *Key
	}{
		{"VitessCluster", []metav1.OwnerReference{ref("vitess.io/v1alpha1", "VitessCluster", "c", true)},
			&Key{KindVitessCluster, "ns", "c"}},
		{"VitessCell", []metav1.OwnerReference{ref("vitess.io/v1alpha1", "VitessCell", "zone1", true)},
			&Key{KindVitessCell, "ns", "zone1"}},
		{"VitessKeyspace", []metav1.OwnerReference{ref("vitess.io/v1alpha1", "VitessKeyspace", "ks", true)},
			&Key{KindVitessKeyspace, "ns", "ks"}},
		{"VitessShard", []metav1.OwnerReference{ref("vitess.io/v1alpha1", "VitessShard", "ks-80", true)},
			&Key{KindVitessShard, "ns", "ks-80"}},
		{"ReplicatedStatefulSet", []metav1.OwnerReference{ref("clusterlabs.org/v1alpha1", "ReplicatedStatefulSet", "db", true)},
			&Key{KindReplicatedStatefulSet, "ns", "db"}},
		{"other version of our group", []metav1.OwnerReference{ref("vitess.io/v1", "VitessShard", "s", true)},
			&Key{KindVitessShard, "ns", "s"}},
		{"controller among several owners", []metav1.OwnerReference{
			ref("v1", "ConfigMap", "cm", false),
			ref("clusterlabs.org/v1alpha1", "ReplicatedStatefulSet", "db", true),
		}, &Key{KindReplicatedStatefulSet, "ns", "db"}},

		{"no owner", nil, nil},
		{"apps/v1 StatefulSet", []metav1.OwnerReference{ref("apps/v1", "StatefulSet", "db", true)}, nil},
		{"apps/v1 kind named like ours", []metav1.OwnerReference{ref("apps/v1", "ReplicatedStatefulSet", "db", true)}, nil},
		{"our kind in another group", []metav1.OwnerReference{ref("example.com/v1", "VitessCluster", "c", true)}, nil},
		{"vitess kind in clusterlabs group", []metav1.OwnerReference{ref("clusterlabs.org/v1alpha1", "VitessCluster", "c", true)}, nil},
		{"clusterlabs kind in vitess group", []metav1.OwnerReference{ref("vitess.io/v1alpha1", "ReplicatedStatefulSet", "db", true)}, nil},
		{"core group", []metav1.OwnerReference{ref("v1", "VitessCluster", "c", true)}, nil},
		{"kind in other case", []metav1.OwnerReference{ref("vitess.io/v1alpha1", "vitesscluster", "c", true)}, nil},
		{"not the controller", []metav1.OwnerReference{ref("vitess.io/v1alpha1", "VitessCluster", "c", false)}, nil},
		{"controller unset", []metav1.OwnerReference{{APIVersion: "vitess.io/v1alpha1", Kind: "VitessCluster", Name: "c"}}, nil},
		{"malformed apiVersion", []metav1.OwnerReference{ref("vitess.io/v1alpha1/extra", "VitessCluster", "c", true)}, nil},
		{"group without version", []metav1.OwnerReference{ref("vitess.io", "VitessCluster", "c", true)}, nil},
		{"empty apiVersion", []metav1.OwnerReference{ref("", "VitessCluster", "c", true)}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "child", OwnerReferences: tc.refs}}
			got, ok := testGroups().ownerKey(obj)
			if tc.want == nil {
				assert.False(t, ok, "got owner %v", got)
				assert.Equal(t, Key{}, got)
				return
			}
			assert.True(t, ok)
			assert.Equal(t, *tc.want, got)
		})
	}
}

// TestKeyString proves the Kind/namespace/name rendering used in logs.
func TestKeyString(t *testing.T) {
	assert.Equal(t, "VitessShard/ns/ks-80", Key{Kind: KindVitessShard, Namespace: "ns", Name: "ks-80"}.String())
}
