package main

import (
	"fmt"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	clv1 "github.com/vitess-operator/vitess-operator/pkg/apis/clusterlabs/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/apis/common"
	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/test/framework"
)

// The objects the chaos run keeps alive: a VitessCluster of two keyspaces
// of four shards of three master-eligible tablets, and a one-primary
// ReplicatedStatefulSet of three members with a claim each. Both delete
// their claims with them, so that anything left after the final deletion
// is a leak.
const (
	clusterName       = "chaos"
	rssName           = "chaos-rss"
	shardsPerKeyspace = 4
	tabletsPerShard   = 3
)

var keyspaceNames = []string{"main", "users"}

// chaosCluster builds the VitessCluster from the example of the same shape.
func chaosCluster(root string) (*v1alpha1.VitessCluster, error) {
	vc, err := framework.ReadObject[v1alpha1.VitessCluster](filepath.Join(root, "example", "my-vitess.yaml"))
	if err != nil {
		return nil, err
	}
	if len(vc.Spec.Keyspaces) == 0 || vc.Spec.Keyspaces[0].Tablets.MasterEligible == nil {
		return nil, fmt.Errorf("the example cluster has no keyspace with master-eligible tablets to copy")
	}
	vc.Name = clusterName
	vc.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete, WhenScaled: common.RetentionRetain}
	vc.Spec.Failover = &v1alpha1.FailoverPolicy{MemberTimeouts: fastStart()}
	tmpl := vc.Spec.Keyspaces[0]
	tmpl.Tablets.MasterEligible.Replicas = tabletsPerShard
	tmpl.Tablets.Batch = nil
	// No resource requests: the local cluster's nodes are simulated, and a
	// node loss must leave room for the pods it displaces.
	for _, c := range []*v1alpha1.TabletContainer{tmpl.Tablets.MasterEligible.Vttablet, tmpl.Tablets.MasterEligible.Mysql} {
		if c != nil {
			c.Resources = corev1.ResourceRequirements{}
		}
	}
	ranges, err := framework.KeyRanges(shardsPerKeyspace)
	if err != nil {
		return nil, err
	}
	vc.Spec.Keyspaces = nil
	for _, name := range keyspaceNames {
		ks := *tmpl.DeepCopy()
		ks.Name = name
		ks.Shards = nil
		for _, r := range ranges {
			ks.Shards = append(ks.Shards, v1alpha1.ShardSpec{KeyRange: &r})
		}
		vc.Spec.Keyspaces = append(vc.Spec.Keyspaces, ks)
	}
	return vc, nil
}

// chaosRSS builds the ReplicatedStatefulSet from the example: one primary,
// secondaries that follow it, a claim per member.
func chaosRSS(root string) (*clv1.ReplicatedStatefulSet, error) {
	rss, err := framework.ReadObject[clv1.ReplicatedStatefulSet](filepath.Join(root, "example", "cluster.yaml"))
	if err != nil {
		return nil, err
	}
	rss.Name = rssName
	one := int32(1)
	rss.Spec.Primaries = &one
	rss.Spec.Pod.Commands.Secondary = &clv1.Command{Command: []string{"tabletsim", "secondary"}}
	rss.Spec.Pod.VolumeClaimTemplates = []clv1.ClaimTemplate{{
		Metadata: clv1.ClaimTemplateMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
		},
	}}
	rss.Spec.PersistentVolumeClaimRetentionPolicy = &common.PVCRetentionPolicy{WhenDeleted: common.RetentionDelete, WhenScaled: common.RetentionRetain}
	rss.Spec.Failover = &clv1.FailoverPolicy{MemberTimeouts: fastStart()}
	if rss.Spec.Service != nil {
		rss.Spec.Service.Name = rssName + "-svc"
	}
	return rss, nil
}

// fastStart tells the operator that members start in seconds, as the
// simulated ones do: a member that crashed before it ever answered is then
// taken for failed after 20 s instead of the default 10 minutes given to a
// real mysqld restoring a backup.
func fastStart() common.MemberTimeouts {
	return common.MemberTimeouts{StartupTimeout: &metav1.Duration{Duration: 20 * time.Second}}
}
