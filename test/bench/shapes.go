package main

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// tabletsPerShard is the size of every shard in the benchmark: three
// master-eligible tablets, so the keyspaces run semi-sync as in production.
const tabletsPerShard = 3

// benchCluster makes base a cluster of keyspaces keyspaces holding shards
// shards in all, each keyspace in every tablet cell of base, with
// tabletsPerShard master-eligible tablets a shard and no batch tablets.
func benchCluster(base *v1alpha1.VitessCluster, keyspaces, shards int) (*v1alpha1.VitessCluster, error) {
	if keyspaces < 1 || shards%keyspaces != 0 {
		return nil, fmt.Errorf("%d shards do not split evenly over %d keyspaces", shards, keyspaces)
	}
	ranges, err := framework.KeyRanges(shards / keyspaces)
	if err != nil {
		return nil, err
	}
	if len(base.Spec.Keyspaces) == 0 {
		return nil, fmt.Errorf("the base cluster has no keyspace to copy")
	}
	vc := base.DeepCopy()
	tmpl := vc.Spec.Keyspaces[0]
	if tmpl.Tablets.MasterEligible == nil {
		return nil, fmt.Errorf("the base cluster's first keyspace has no master-eligible pool")
	}
	tmpl.Tablets.MasterEligible.Replicas = tabletsPerShard
	// No resource requests, as the StatefulSets' pods have none: the
	// example's limits (one CPU a tablet) would not fit 768 tablets on the
	// local cluster's eight 64-CPU nodes, and the comparison is of the
	// controllers, not of the scheduler's bin packing.
	for _, c := range []*v1alpha1.TabletContainer{tmpl.Tablets.MasterEligible.Vttablet, tmpl.Tablets.MasterEligible.Mysql} {
		if c != nil {
			c.Resources = corev1.ResourceRequirements{}
		}
	}
	tmpl.Tablets.Batch = nil
	tmpl.Shards = nil
	for _, r := range ranges {
		tmpl.Shards = append(tmpl.Shards, v1alpha1.ShardSpec{KeyRange: &r})
	}
	vc.Spec.Keyspaces = nil
	for i := range keyspaces {
		ks := *tmpl.DeepCopy()
		ks.Name = fmt.Sprintf("ks%d", i)
		vc.Spec.Keyspaces = append(vc.Spec.Keyspaces, ks)
	}
	return vc, nil
}

// statefulSet is the StatefulSet standing for shard i: the same number of
// pods, each with a claim, made by kube-controller-manager.
func statefulSet(i int) *appsv1.StatefulSet {
	name := fmt.Sprintf("shard-%03d", i)
	labels := map[string]string{"app": "bench", "shard": name}
	replicas := int32(tabletsPerShard)
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &replicas,
			ServiceName:         name,
			PodManagementPolicy: appsv1.ParallelPodManagement,
			Selector:            &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "mysql", Image: "vitess/lite:v24.0.0",
					VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/vt/vtdataroot"}},
				}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceStorage: resource.MustParse("4Gi")}},
				},
			}},
		},
	}
}
