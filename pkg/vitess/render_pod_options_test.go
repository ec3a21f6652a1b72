package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// TestPodOptionsLayOverTheOperatorsChoices proves each option reaches the
// pod, the zone becomes a node selector, and the operator's labels win.
func TestPodOptionsLayOverTheOperatorsChoices(t *testing.T) {
	meta := metav1.ObjectMeta{Labels: map[string]string{LabelCell: "zone1"}}
	pod := corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}, SecurityContext: podSecurityContext(),
		Affinity: spreadOver(map[string]string{"x": "y"})}
	opts := v1alpha1.PodOptions{
		Tolerations:       []corev1.Toleration{{Key: "dedicated", Value: "vitess", Effect: corev1.TaintEffectNoSchedule}},
		NodeSelector:      map[string]string{"disk": "ssd"},
		PriorityClassName: "databases", ImagePullPolicy: corev1.PullAlways,
		ImagePullSecrets: []corev1.LocalObjectReference{{Name: "registry"}},
		Annotations:      map[string]string{"a": "1"}, Labels: map[string]string{"team": "data", LabelCell: "other"},
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{MaxSkew: 2, TopologyKey: LabelZone}},
	}
	applyPodOptions(&meta, &pod, opts, "zone-a")
	assert.Equal(t, map[string]string{"disk": "ssd", LabelZone: "zone-a"}, pod.NodeSelector)
	assert.Equal(t, opts.Tolerations, pod.Tolerations)
	assert.Equal(t, "databases", pod.PriorityClassName)
	assert.Equal(t, opts.ImagePullSecrets, pod.ImagePullSecrets)
	assert.Equal(t, opts.TopologySpreadConstraints, pod.TopologySpreadConstraints)
	for _, c := range pod.Containers {
		assert.Equal(t, corev1.PullAlways, c.ImagePullPolicy)
	}
	assert.Equal(t, "zone1", meta.Labels[LabelCell], "the operator's labels win")
	assert.Equal(t, "data", meta.Labels["team"])
	assert.Equal(t, "1", meta.Annotations["a"])
	assert.NotNil(t, pod.Affinity, "unset options keep the operator's choice")
	assert.Equal(t, podSecurityContext(), pod.SecurityContext)

	sc := &corev1.PodSecurityContext{RunAsUser: new(int64(1000))}
	applyPodOptions(&meta, &pod, v1alpha1.PodOptions{SecurityContext: sc, ContainerSecurityContext: &corev1.SecurityContext{ReadOnlyRootFilesystem: new(true)}}, "")
	assert.Equal(t, sc, pod.SecurityContext)
	assert.True(t, *pod.Containers[1].SecurityContext.ReadOnlyRootFilesystem)
}

// TestTabletPodsSpreadAndTakeTheirCellsZone proves a shard's tablets are
// spread over nodes by default, each in its cell's zone, and that pod
// options or zones roll tablets only once they are set.
func TestTabletPodsSpreadAndTakeTheirCellsZone(t *testing.T) {
	s := testShard()
	before, err := poolRevisions(s)
	require.NoError(t, err)
	pods, err := TabletPods(s)
	require.NoError(t, err)
	require.NotEmpty(t, pods)
	assert.Equal(t, spreadTablets(replication.SetLabels(ShardKind, s.Name)), pods[0].Spec.TopologySpreadConstraints)
	assert.Equal(t, int32(1), pods[0].Spec.TopologySpreadConstraints[0].MaxSkew)
	assert.Nil(t, pods[0].Spec.NodeSelector)

	s.Spec.CellZones = map[string]string{s.Spec.Cells[0]: "zone-a"}
	pods, err = TabletPods(s)
	require.NoError(t, err)
	for _, p := range pods {
		want := ""
		if p.Labels[LabelCell] == s.Spec.Cells[0] {
			want = "zone-a"
		}
		assert.Equal(t, want, p.Spec.NodeSelector[LabelZone], "%s: only the bound cell's tablets go to the zone", p.Name)
	}
	zoned, err := poolRevisions(s)
	require.NoError(t, err)
	assert.NotEqual(t, before, zoned, "binding a cell to a zone rolls its tablets")

	s.Spec.CellZones = nil
	s.Spec.Tablets.MasterEligible.PodOptions = v1alpha1.PodOptions{}
	same, err := poolRevisions(s)
	require.NoError(t, err)
	assert.Equal(t, before, same, "empty options are not part of the revision")
	s.Spec.Tablets.MasterEligible.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
	after, err := poolRevisions(s)
	require.NoError(t, err)
	assert.NotEqual(t, before[PoolMasterEligible], after[PoolMasterEligible])
}

// TestMyCnfReachesTheMysqldContainer proves a pool's my.cnf fragment
// reaches its tablets' mysqld container as the file EXTRA_MY_CNF names,
// made from the pod's own annotation, and rolls the pool's tablets only.
func TestMyCnfReachesTheMysqldContainer(t *testing.T) {
	s := testShard()
	before, err := poolRevisions(s)
	require.NoError(t, err)
	s.Spec.Tablets.MasterEligible.MyCnf = "max_connections = 321\n"
	after, err := poolRevisions(s)
	require.NoError(t, err)
	assert.NotEqual(t, before[PoolMasterEligible], after[PoolMasterEligible])
	assert.Equal(t, before[PoolBatch], after[PoolBatch], "another pool's tablets are not rolled")
	pods, err := TabletPods(s)
	require.NoError(t, err)
	for _, p := range pods {
		if p.Labels[LabelPool] != PoolMasterEligible {
			assert.NotContains(t, p.Annotations, AnnotationMyCnf)
			continue
		}
		assert.Equal(t, "max_connections = 321\n", p.Annotations[AnnotationMyCnf])
		my := p.Spec.Containers[1]
		assert.Contains(t, my.Env, corev1.EnvVar{Name: "EXTRA_MY_CNF", Value: "/vt/config/extra/extra.cnf"})
		assert.Contains(t, my.VolumeMounts, corev1.VolumeMount{Name: "mycnf", MountPath: "/vt/config/extra", ReadOnly: true})
		assert.Contains(t, p.Spec.Volumes, corev1.Volume{Name: "mycnf", VolumeSource: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{
			Items: []corev1.DownwardAPIVolumeFile{{Path: "extra.cnf", FieldRef: &corev1.ObjectFieldSelector{
				FieldPath: "metadata.annotations['vitess.io/my-cnf']"}}}}}})
	}
}
