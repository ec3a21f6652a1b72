package vitess

import (
	"fmt"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/k8s"
	"github.com/vitess-operator/vitess-operator/pkg/replication"
)

// Paths inside a tablet pod. The data root is the driver's too
// (dataplane.VtDataRoot): it reaches mysqld through a socket under it.
const (
	socketDir = "/vt/socket"
	// mysqlctlSocket is where vttablet reaches mysqlctld.
	mysqlctlSocket = socketDir + "/mysqlctl.sock"
)

// tabletClaimName is the name of a tablet's data claim.
func tabletClaimName(pod string) string { return "vtdataroot-" + pod }

func containerOf(c *v1alpha1.TabletContainer) (corev1.ResourceRequirements, map[string]string) {
	if c == nil {
		return corev1.ResourceRequirements{}, nil
	}
	return c.Resources, c.Flags
}

// vttabletFlags are the flags of one tablet's vttablet.
func vttabletFlags(s *v1alpha1.VitessShard, t Tablet) map[string]string {
	f := topologyFlags(s.Spec.Topology)
	for k, v := range tabletBackupFlags(s.Spec.Backup) {
		f[k] = v
	}
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
	for k, v := range mysqlCredentialsFlags(s, dataplane.VttabletContainer) {
		f[k] = v
	}
	return f
}

// mysqlctldFlags are the flags of one tablet's mysqlctld.
func mysqlctldFlags(s *v1alpha1.VitessShard, t Tablet) map[string]string {
	f := map[string]string{
		"tablet-uid":  strconv.FormatUint(uint64(t.UID), 10),
		"socket-file": mysqlctlSocket,
		"mysql-port":  strconv.Itoa(MySQLPort),
		"db-dba-user": dataplane.DBAUser,
	}
	for k, v := range mysqlCredentialsFlags(s, dataplane.MysqldContainer) {
		f[k] = v
	}
	return f
}

// tabletTemplate is everything a tablet's pod is made of but its identity:
// the same for every tablet of a pool, so its hash is the pool's revision.
func tabletTemplate(s *v1alpha1.VitessShard, pool string) any {
	p := poolSpec(s, pool)
	var vt, my *v1alpha1.TabletContainer
	if p != nil {
		vt, my = p.Vttablet, p.Mysql
	}
	t := []any{pool, tabletImage(s, vt), tabletImage(s, my), vt, my, s.Spec.Topology, s.Spec.BackupFlags, s.Spec.Template}
	if b := backupPodPart(s.Spec.Backup); b != nil {
		t = append(t, b)
	}
	// Pod options and zones are part of the revision only when set: an
	// operator that learnt them rolls no tablet that uses neither.
	if p != nil && podOptionsSet(p.PodOptions) {
		t = append(t, p.PodOptions)
	}
	if p != nil && p.MyCnf != "" {
		t = append(t, "my.cnf", p.MyCnf)
	}
	if len(s.Spec.CellZones) > 0 {
		t = append(t, s.Spec.CellZones)
	}
	if c := s.Spec.MySQLCredentialsSecret; c != "" {
		t = append(t, "mysql-credentials", c)
	}
	if d := s.Spec.Tablets.Defaults; d != nil && len(d.Sidecars) > 0 {
		t = append(t, "sidecars", d.Sidecars)
	}
	if g := customGracePeriod(s); g != nil {
		t = append(t, *g)
	}
	return t
}

// poolRevisions are the revisions of a shard's pools, by pool: changing one
// pool's template rolls only that pool's tablets.
func poolRevisions(s *v1alpha1.VitessShard) (map[string]string, error) {
	revs := map[string]string{}
	for _, pool := range pools {
		rev, err := k8s.Hash(tabletTemplate(s, pool))
		if err != nil {
			return nil, fmt.Errorf("hashing the %s pool of shard %s: %w", pool, s.Name, err)
		}
		revs[pool] = rev
	}
	return revs, nil
}

// TabletPods renders the pods of every tablet a shard asks for, sorted by name.
func TabletPods(s *v1alpha1.VitessShard) ([]*corev1.Pod, error) {
	revs, err := poolRevisions(s)
	if err != nil {
		return nil, err
	}
	owner := controllerRef(s, ShardKind)
	var pods []*corev1.Pod
	for _, t := range Tablets(s) {
		pods = append(pods, tabletPod(s, t, revs[t.Pool], owner))
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	return pods, nil
}

// tabletLabels are a tablet pod's labels: the engine's member labels, which
// carry the revision, and the operator's.
func tabletLabels(s *v1alpha1.VitessShard, t Tablet, revision string) map[string]string {
	labels := replication.MemberLabels(ShardKind, s.Name, int(t.UID), revision)
	for k, v := range map[string]string{LabelCluster: s.Spec.Cluster, LabelCell: t.Cell, LabelKeyspace: s.Spec.Keyspace,
		LabelShard: shardLabel(s.Spec.Name), LabelPool: t.Pool, LabelComponent: componentVttablet} {
		labels[k] = v
	}
	return labels
}

// tabletIdentity is what the tablet is, in its containers' environment: for
// anyone who execs into it, and for the simulator of the local cluster.
func tabletIdentity(s *v1alpha1.VitessShard, t Tablet) []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: "TABLET_ALIAS", Value: TabletAlias(t.Cell, t.UID)},
		{Name: "TABLET_UID", Value: fmt.Sprintf("%010d", t.UID)},
		{Name: "TABLET_CELL", Value: t.Cell},
		{Name: "TABLET_KEYSPACE", Value: s.Spec.Keyspace},
		{Name: "TABLET_SHARD", Value: s.Spec.Name},
		{Name: "TABLET_TYPE", Value: tabletType(t.Pool)},
	}
}

// tabletPod renders the pod of one tablet: vttablet and mysqld (mysqlctld)
// sharing the tablet's data claim and a socket directory.
func tabletPod(s *v1alpha1.VitessShard, t Tablet, revision string, owner metav1.OwnerReference) *corev1.Pod {
	name := TabletPodName(s.Spec.Cluster, t.Cell, t.UID)
	meta := podMeta(s.Spec.Template, tabletLabels(s, t, revision))
	meta.Name, meta.Namespace, meta.OwnerReferences = name, s.Namespace, []metav1.OwnerReference{owner}
	pod := &corev1.Pod{
		ObjectMeta: meta,
		Spec: corev1.PodSpec{
			TopologySpreadConstraints: spreadTablets(replication.SetLabels(ShardKind, s.Name)),
			Containers:                tabletContainers(s, t),
			Volumes: []corev1.Volume{
				{Name: "vtdataroot", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: tabletClaimName(name)}}},
				{Name: "socket", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				tmpVolume(),
			},
			SecurityContext:               podSecurityContext(),
			TerminationGracePeriodSeconds: new(tabletGracePeriod(s)),
			// Neither vttablet nor mysqld talks to the Kubernetes API.
			AutomountServiceAccountToken: new(false),
		},
	}
	if b := s.Spec.Backup; b != nil {
		// vttablet takes and restores backups; mysqld only serves the files.
		mountBackupStore(&pod.Spec, &pod.Spec.Containers[0], &b.Location)
	}
	mountMySQLCredentials(s, &pod.Spec)
	pod.Spec.Containers = append(pod.Spec.Containers, tabletSidecars(s, t)...)
	var opts v1alpha1.PodOptions
	if p := poolSpec(s, t.Pool); p != nil {
		opts = p.PodOptions
		addMyCnf(pod, p)
	}
	applyPodOptions(&pod.ObjectMeta, &pod.Spec, opts, s.Spec.CellZones[t.Cell])
	return pod
}

// tabletContainers are a tablet's vttablet and mysqld containers.
func tabletContainers(s *v1alpha1.VitessShard, t Tablet) []corev1.Container {
	p := poolSpec(s, t.Pool)
	vtRes, vtFlags := containerOf(p.Vttablet)
	myRes, myFlags := containerOf(p.Mysql)
	mounts := []corev1.VolumeMount{{Name: "vtdataroot", MountPath: dataplane.VtDataRoot}, {Name: "socket", MountPath: socketDir}, tmpMount()}
	identity := tabletIdentity(s, t)
	hold := holdWhileWritable(t, tabletGracePeriod(s))
	return []corev1.Container{{
		Name:    dataplane.VttabletContainer,
		Image:   tabletImage(s, p.Vttablet),
		Command: []string{"/vt/bin/vttablet"},
		Args:    flagArgs(vttabletFlags(s, t), vtFlags),
		// vttablet finds mysqld's my.cnf (its socket and port) under
		// VTDATAROOT; named here rather than left to its default.
		Env: append([]corev1.EnvVar{{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}, {Name: "VTDATAROOT", Value: dataplane.VtDataRoot}}, identity...),
		Ports:          []corev1.ContainerPort{{Name: "web", ContainerPort: WebPort}, {Name: "grpc", ContainerPort: GRPCPort}},
		Resources:      vtRes,
		VolumeMounts:   mounts,
		ReadinessProbe: healthProbe(),
		Lifecycle:      hold,
		// No privilege escalation, no capabilities, a read-only root (podsecurity.go).
		SecurityContext: containerSecurityContext(),
	}, {
		Name:         dataplane.MysqldContainer,
		Image:        tabletImage(s, p.Mysql),
		Command:      []string{"/vt/bin/mysqlctld"},
		Args:         flagArgs(mysqlctldFlags(s, t), myFlags),
		Env:          append([]corev1.EnvVar{{Name: "VTDATAROOT", Value: dataplane.VtDataRoot}}, identity...),
		Ports:        []corev1.ContainerPort{{Name: "mysql", ContainerPort: MySQLPort}},
		Resources:    myRes,
		VolumeMounts: mounts,
		Lifecycle:    hold,
		// No privilege escalation, no capabilities, a read-only root (podsecurity.go).
		SecurityContext: containerSecurityContext(),
	}}
}

// tabletSidecars are the shard's sidecars as they run in tablet t's pod:
// with the tablet's identity after their own env, and the tablet
// containers' security context unless they set one, so that a sidecar
// given as an image and a command fits a pod that passes the restricted
// Pod Security Standard.
func tabletSidecars(s *v1alpha1.VitessShard, t Tablet) []corev1.Container {
	d := s.Spec.Tablets.Defaults
	if d == nil {
		return nil
	}
	out := make([]corev1.Container, 0, len(d.Sidecars))
	for _, c := range d.Sidecars {
		c := *c.DeepCopy()
		c.Env = append(c.Env, tabletIdentity(s, t)...)
		if c.SecurityContext == nil {
			c.SecurityContext = containerSecurityContext()
		}
		out = append(out, c)
	}
	return out
}

// tabletClaim renders a tablet's data claim, from the shard's volume claim
// template or 10Gi. It is owned by the shard only when the retention policy
// deletes claims with it.
func tabletClaim(s *v1alpha1.VitessShard, t Tablet, owners []metav1.OwnerReference) *corev1.PersistentVolumeClaim {
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
				LabelShard: shardLabel(s.Spec.Name), replication.LabelSet: k8s.LabelValue(s.Name), replication.LabelKind: ShardKind},
			OwnerReferences: owners},
		Spec: spec,
	}
	return c
}

// shardPDB keeps at most one tablet of the shard down by voluntary
// disruption. It says so as minAvailable, all tablets but one, not as
// maxUnavailable: 1, for which kube-controller-manager's disruption
// controller must read the pods' controller's scale, and it cannot resolve
// a VitessShard until its discovery has seen the CRD; until then
// (minutes, on a cluster the CRDs were installed on after it started) the
// budget allowed no eviction at all, and a node drain hung (found by e2e
// TestVitessDrainMovesPrimariesByPlannedReparent). An integer minAvailable
// needs only the pods.
func shardPDB(s *v1alpha1.VitessShard, owner metav1.OwnerReference) *policyv1.PodDisruptionBudget {
	minAvailable := intstr.FromInt32(int32(max(len(Tablets(s))-1, 0)))
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: s.Namespace, Labels: map[string]string{LabelCluster: s.Spec.Cluster},
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable,
			Selector: &metav1.LabelSelector{MatchLabels: replication.SetLabels(ShardKind, s.Name)},
		},
	}
}
