package vitess

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Paths inside a tablet pod.
const (
	vtDataRoot = "/vt/vtdataroot"
	socketDir  = "/vt/socket"
	// mysqlctlSocket is where vttablet reaches mysqlctld.
	mysqlctlSocket = socketDir + "/mysqlctl.sock"
)

// ShardKind is the kind label value of VitessShard members.
const ShardKind = "VitessShard"

// tabletClaimName is the name of a tablet's data claim.
func tabletClaimName(pod string) string { return "vtdataroot-" + pod }

// poolSpec returns a shard's pool by name.
func poolSpec(s *v1alpha1.VitessShard, pool string) *v1alpha1.TabletPool {
	if pool == PoolBatch {
		return s.Spec.Tablets.Batch
	}
	return s.Spec.Tablets.MasterEligible
}

// containerImage is a tablet container's image: the pool's, else the
// shard's default, else the operator's.
func containerImage(s *v1alpha1.VitessShard, c *v1alpha1.TabletContainer) string {
	if c != nil && c.Image != "" {
		return c.Image
	}
	if d := s.Spec.Tablets.Defaults; d != nil && d.Image != "" {
		return d.Image
	}
	return Image
}

func containerOf(c *v1alpha1.TabletContainer) (corev1.ResourceRequirements, map[string]string) {
	if c == nil {
		return corev1.ResourceRequirements{}, nil
	}
	return c.Resources, c.Flags
}

// vttabletFlags are the flags of one tablet's vttablet.
func vttabletFlags(s *v1alpha1.VitessShard, t Tablet) map[string]string {
	f := topologyFlags(s.Spec.Topology)
	for k, v := range s.Spec.BackupFlags {
		f[k] = v
	}
	f["tablet-path"] = TabletAlias(t.Cell, t.UID)
	f["tablet-hostname"] = "$(POD_IP)"
	f["init-keyspace"] = s.Spec.Keyspace
	f["init-shard"] = s.Spec.Name
	f["init-tablet-type"] = tabletType(t.Pool)
	f["port"] = strconv.Itoa(WebPort)
	f["grpc-port"] = strconv.Itoa(GRPCPort)
	f["service-map"] = "grpc-queryservice,grpc-tabletmanager,grpc-updatestream"
	f["mysqlctl-socket"] = mysqlctlSocket
	return f
}

// mysqlctldFlags are the flags of one tablet's mysqlctld.
func mysqlctldFlags(t Tablet) map[string]string {
	return map[string]string{
		"tablet-uid":  strconv.FormatUint(uint64(t.UID), 10),
		"socket-file": mysqlctlSocket,
		"mysql-port":  strconv.Itoa(MySQLPort),
		"db-dba-user": "vt_dba",
	}
}

// tabletTemplate is everything a tablet's pod is made of but its identity:
// the same for every tablet of a pool, so its hash is the pool's revision.
func tabletTemplate(s *v1alpha1.VitessShard, pool string) any {
	p := poolSpec(s, pool)
	var vt, my *v1alpha1.TabletContainer
	if p != nil {
		vt, my = p.Vttablet, p.Mysql
	}
	return []any{pool, containerImage(s, vt), containerImage(s, my), vt, my, s.Spec.Topology, s.Spec.BackupFlags, s.Spec.Template}
}

// tabletPod renders the pod of one tablet: vttablet and mysqld (mysqlctld)
// sharing the tablet's data claim and a socket directory.
func tabletPod(s *v1alpha1.VitessShard, t Tablet, revision string, owner metav1.OwnerReference) *corev1.Pod {
	name := TabletPodName(s.Spec.Cluster, t.Cell, t.UID)
	p := poolSpec(s, t.Pool)
	vtRes, vtFlags := containerOf(p.Vttablet)
	myRes, myFlags := containerOf(p.Mysql)
	labels := replication.MemberLabels(ShardKind, s.Name, int(t.UID), revision)
	for k, v := range map[string]string{LabelCluster: s.Spec.Cluster, LabelCell: t.Cell, LabelKeyspace: s.Spec.Keyspace,
		LabelShard: shardLabel(s.Spec.Name), LabelPool: t.Pool, LabelComponent: "vttablet"} {
		labels[k] = v
	}
	mounts := []corev1.VolumeMount{{Name: "vtdataroot", MountPath: vtDataRoot}, {Name: "socket", MountPath: socketDir}}
	// What the tablet is, in its environment too: for anyone who execs into
	// it, and for the simulator of the local cluster.
	identity := []corev1.EnvVar{
		{Name: "TABLET_ALIAS", Value: TabletAlias(t.Cell, t.UID)},
		{Name: "TABLET_UID", Value: fmt.Sprintf("%010d", t.UID)},
		{Name: "TABLET_CELL", Value: t.Cell},
		{Name: "TABLET_KEYSPACE", Value: s.Spec.Keyspace},
		{Name: "TABLET_SHARD", Value: s.Spec.Name},
		{Name: "TABLET_TYPE", Value: tabletType(t.Pool)},
	}
	meta := podMeta(s.Spec.Template, labels)
	meta.Name, meta.Namespace, meta.OwnerReferences = name, s.Namespace, []metav1.OwnerReference{owner}
	return &corev1.Pod{
		ObjectMeta: meta,
		Spec: corev1.PodSpec{
			Affinity: spreadOver(replication.SetLabels(ShardKind, s.Name)),
			Containers: []corev1.Container{{
				Name:    dataplane.VttabletContainer,
				Image:   containerImage(s, p.Vttablet),
				Command: []string{"/vt/bin/vttablet"},
				Args:    flagArgs(vttabletFlags(s, t), vtFlags),
				// vttablet finds mysqld's my.cnf (its socket and port) under
				// VTDATAROOT; named here rather than left to its default.
				Env: append([]corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}, {Name: "VTDATAROOT", Value: vtDataRoot}}, identity...),
				Ports:          []corev1.ContainerPort{{Name: "web", ContainerPort: WebPort}, {Name: "grpc", ContainerPort: GRPCPort}},
				Resources:      vtRes,
				VolumeMounts:   mounts,
				ReadinessProbe: healthProbe(),
				// No privilege escalation, no capabilities (podsecurity.go).
				SecurityContext: containerSecurityContext(),
			}, {
				Name:         dataplane.MysqldContainer,
				Image:        containerImage(s, p.Mysql),
				Command:      []string{"/vt/bin/mysqlctld"},
				Args:         flagArgs(mysqlctldFlags(t), myFlags),
				Env:          append([]corev1.EnvVar{{Name: "VTDATAROOT", Value: vtDataRoot}}, identity...),
				Ports:        []corev1.ContainerPort{{Name: "mysql", ContainerPort: MySQLPort}},
				Resources:    myRes,
				VolumeMounts: mounts,
				// No privilege escalation, no capabilities (podsecurity.go).
				SecurityContext: containerSecurityContext(),
			}},
			Volumes: []corev1.Volume{
				{Name: "vtdataroot", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: tabletClaimName(name)}}},
				{Name: "socket", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
			},
			SecurityContext: podSecurityContext(),
		},
	}
}

// tabletClaim renders a tablet's data claim, from the shard's volume claim
// template or 10Gi. It is owned by the shard only when the retention policy
// deletes claims with it.
func tabletClaim(s *v1alpha1.VitessShard, t Tablet, owner *metav1.OwnerReference) *corev1.PersistentVolumeClaim {
	pod := TabletPodName(s.Spec.Cluster, t.Cell, t.UID)
	spec := corev1.PersistentVolumeClaimSpec{
		AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
		Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("10Gi")}},
	}
	if d := s.Spec.Tablets.Defaults; d != nil && d.VolumeClaim != nil {
		spec = *d.VolumeClaim.DeepCopy()
	}
	c := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: tabletClaimName(pod), Namespace: s.Namespace,
			Labels: map[string]string{LabelCluster: s.Spec.Cluster, LabelCell: t.Cell, LabelKeyspace: s.Spec.Keyspace,
				LabelShard: shardLabel(s.Spec.Name), replication.LabelSet: k8s.LabelValue(s.Name), replication.LabelKind: ShardKind}},
		Spec: spec,
	}
	if owner != nil {
		c.OwnerReferences = []metav1.OwnerReference{*owner}
	}
	return c
}
