package framework

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	rssv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	vitessv1alpha1 "github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

func TestReadObjectFindsTheObjectOfItsKind(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	vc, err := ReadObject[vitessv1alpha1.VitessCluster](filepath.Join(root, "example", "my-vitess.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "vitess", vc.Name)
	assert.NotEmpty(t, vc.Spec.Keyspaces)
	rss, err := ReadObject[rssv1alpha1.ReplicatedStatefulSet](filepath.Join(root, "example", "cluster.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "example", rss.Name)

	_, err = ReadObject[rssv1alpha1.ReplicatedStatefulSet](filepath.Join(root, "example", "my-vitess.yaml"))
	assert.ErrorContains(t, err, "no clusterlabs.org/v1alpha1, Kind=ReplicatedStatefulSet")
}

func TestUpdateRetriesOnConflict(t *testing.T) {
	client := fake.NewClientset(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "cm"}})
	conflicts := 2
	client.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		if conflicts == 0 {
			return false, nil, nil
		}
		conflicts--
		return true, nil, apierrors.NewConflict(corev1.Resource("configmaps"), "cm", nil)
	})
	changes := 0
	got, err := Update(context.Background(), client.CoreV1().ConfigMaps("ns"), "cm", func(cm *corev1.ConfigMap) {
		changes++
		cm.Data = map[string]string{"k": "v"}
	})
	require.NoError(t, err)
	assert.Equal(t, 3, changes, "change is applied again to each newer version")
	assert.Equal(t, "v", got.Data["k"])

	client.PrependReactor("update", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(corev1.Resource("configmaps"), "cm", nil)
	})
	_, err = Update(context.Background(), client.CoreV1().ConfigMaps("ns"), "cm", func(*corev1.ConfigMap) {})
	assert.True(t, apierrors.IsForbidden(err), "an error other than a conflict ends the retries: %v", err)
}
