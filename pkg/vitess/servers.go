package vitess

import (
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// vtgateSecretDir is where vtgate finds its users file.
const vtgateSecretDir = "/vt/secrets/vtgate"

// serverFlags are the flags every Vitess server of a cell takes.
func serverFlags(c *v1alpha1.VitessCell) map[string]string {
	f := topologyFlags(c.Spec.Topology)
	f["cell"] = c.Spec.Name
	f["port"] = strconv.Itoa(WebPort)
	f["grpc-port"] = strconv.Itoa(GRPCPort)
	return f
}

// vtctldFlags are the flags of a cell's vtctld.
func vtctldFlags(c *v1alpha1.VitessCell) map[string]string {
	f := serverFlags(c)
	f["service-map"] = "grpc-vtctl,grpc-vtctld"
	return f
}

// vtgateFlags are the flags of a cell's vtgate.
func vtgateFlags(c *v1alpha1.VitessCell) map[string]string {
	f := serverFlags(c)
	f["service-map"] = "grpc-vtgateservice"
	f["mysql-server-port"] = strconv.Itoa(MySQLPort)
	f["tablet-types-to-wait"] = "PRIMARY,REPLICA"
	cells := append([]string(nil), c.Spec.TabletCells...)
	if len(cells) == 0 {
		cells = []string{c.Spec.Name}
	}
	f["cells-to-watch"] = strings.Join(cells, ",")
	if a := c.Spec.Vtgate.Authentication; a != nil {
		f["mysql-auth-server-impl"] = "static"
		f["mysql-auth-server-static-file"] = vtgateSecretDir + "/" + authKey(a)
	} else {
		f["mysql-auth-server-impl"] = "none"
	}
	return f
}

func authKey(a *v1alpha1.VtgateAuthentication) string {
	if a.Key == "" {
		return "users.json"
	}
	return a.Key
}

func imageOr(image string) string {
	if image == "" {
		return Image
	}
	return image
}

// healthProbe checks a Vitess server's /debug/health.
func healthProbe() *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/debug/health", Port: intstr.FromInt32(WebPort)}}}
}

// deployment renders a Deployment of one Vitess server.
func deployment(c *v1alpha1.VitessCell, owner metav1.OwnerReference, name, component, binary string,
	spec v1alpha1.ComponentSpec, flags map[string]string, ports []corev1.ContainerPort) *appsv1.Deployment {
	labels := map[string]string{LabelCluster: c.Spec.Cluster, LabelCell: c.Spec.Name, LabelComponent: component}
	replicas := spec.Replicas
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: c.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(c.Spec.Template, labels),
				Spec: corev1.PodSpec{
					Affinity:    spreadOver(labels),
					Tolerations: lostNodeTolerations(),
					Containers: []corev1.Container{{
						Name:           component,
						Image:          imageOr(spec.Image),
						Command:        []string{"/vt/bin/" + binary},
						Args:           flagArgs(flags, spec.Flags),
						Ports:          ports,
						Resources:      spec.Resources,
						ReadinessProbe: healthProbe(),
						LivenessProbe:  healthProbe(),
						// No privilege escalation, no capabilities (podsecurity.go).
						SecurityContext: containerSecurityContext(),
					}},
					SecurityContext: podSecurityContext(),
				},
			},
		},
	}
}

// RenderVtctld renders a cell's vtctld Deployment.
func RenderVtctld(c *v1alpha1.VitessCell, owner metav1.OwnerReference) *appsv1.Deployment {
	return deployment(c, owner, VtctldName(c.Spec.Cluster, c.Spec.Name), "vtctld", "vtctld",
		*c.Spec.Vtctld, vtctldFlags(c), []corev1.ContainerPort{
			{Name: "web", ContainerPort: WebPort}, {Name: "grpc", ContainerPort: GRPCPort}})
}

// RenderVtgate renders a cell's vtgate Deployment and its Service; with
// authentication, the users file is mounted from the named Secret.
func RenderVtgate(c *v1alpha1.VitessCell, owner metav1.OwnerReference) (*appsv1.Deployment, *corev1.Service) {
	name := VtgateName(c.Spec.Cluster, c.Spec.Name)
	d := deployment(c, owner, name, "vtgate", "vtgate", c.Spec.Vtgate.ComponentSpec, vtgateFlags(c),
		[]corev1.ContainerPort{{Name: "web", ContainerPort: WebPort}, {Name: "grpc", ContainerPort: GRPCPort},
			{Name: "mysql", ContainerPort: MySQLPort}})
	if a := c.Spec.Vtgate.Authentication; a != nil {
		pod := &d.Spec.Template.Spec
		pod.Volumes = append(pod.Volumes, corev1.Volume{Name: "auth", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: a.SecretName}}})
		pod.Containers[0].VolumeMounts = append(pod.Containers[0].VolumeMounts,
			corev1.VolumeMount{Name: "auth", MountPath: vtgateSecretDir, ReadOnly: true})
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: c.Namespace, Labels: d.Labels,
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: corev1.ServiceSpec{Selector: d.Spec.Selector.MatchLabels, Ports: []corev1.ServicePort{
			{Name: "web", Port: WebPort}, {Name: "grpc", Port: GRPCPort}, {Name: "mysql", Port: MySQLPort}}},
	}
	return d, svc
}

// RenderVtctldService renders the Service of every vtctld of a cluster.
func RenderVtctldService(vc *v1alpha1.VitessCluster, owner metav1.OwnerReference) *corev1.Service {
	selector := map[string]string{LabelCluster: vc.Name, LabelComponent: "vtctld"}
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: VtctldService(vc.Name), Namespace: vc.Namespace, Labels: selector,
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: corev1.ServiceSpec{Selector: selector, Ports: []corev1.ServicePort{
			{Name: "web", Port: WebPort}, {Name: "grpc", Port: GRPCPort}}},
	}
}

// lostNodeTolerationSeconds is how long a vtctld or vtgate pod stays bound to
// a node that stopped reporting before the taint manager evicts it, so that
// its Deployment replaces it elsewhere. Kubernetes' default is 300 s; these
// servers keep no state, so a shorter wait only costs a restart.
const lostNodeTolerationSeconds = 30

// lostNodeTolerations tolerate an unreachable or not-ready node for
// lostNodeTolerationSeconds.
func lostNodeTolerations() []corev1.Toleration {
	secs := int64(lostNodeTolerationSeconds)
	var out []corev1.Toleration
	for _, key := range []string{corev1.TaintNodeUnreachable, corev1.TaintNodeNotReady} {
		out = append(out, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs})
	}
	return out
}
