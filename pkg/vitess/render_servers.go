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
	// vtctld lists and removes backups (GetBackups, RemoveBackup) in the store.
	for k, v := range storageFlags(c.Spec.BackupLocation) {
		f[k] = v
	}
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

// healthProbe checks a Vitess server's /debug/health.
func healthProbe() *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/debug/health", Port: intstr.FromInt32(WebPort)}}}
}

// server is one Vitess server of a cell, as a Deployment runs it.
type server struct {
	// name is the Deployment's name.
	name string
	// component is the LabelComponent value and the container's name.
	component string
	// binary is the program under /vt/bin.
	binary string
	// spec is what the cell asks of the server: image, replicas, resources,
	// the user's flags.
	spec v1alpha1.ComponentSpec
	// flags are the operator's flags; the user's are added over them.
	flags map[string]string
	ports []corev1.ContainerPort
}

// serverDeployment renders the Deployment of one Vitess server of cell c.
func serverDeployment(c *v1alpha1.VitessCell, owner metav1.OwnerReference, srv server) *appsv1.Deployment {
	labels := componentLabels(c.Spec.Cluster, c.Spec.Name, srv.component)
	replicas := srv.spec.Replicas
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: srv.name, Namespace: c.Namespace, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta(c.Spec.Template, labels),
				Spec: corev1.PodSpec{
					// vtgate and vtctld talk to the topology, not to the Kubernetes API.
					AutomountServiceAccountToken: new(false),
					Affinity:                     spreadOver(labels),
					Tolerations:                  lostNodeTolerations(),
					Containers: []corev1.Container{{
						Name:           srv.component,
						Image:          vitessImage(srv.spec.Image),
						Command:        []string{"/vt/bin/" + srv.binary},
						Args:           flagArgs(srv.flags, srv.spec.Flags),
						Ports:          srv.ports,
						Resources:      srv.spec.Resources,
						ReadinessProbe: healthProbe(),
						LivenessProbe:  healthProbe(),
						VolumeMounts:   []corev1.VolumeMount{tmpMount()},
						// No privilege escalation, no capabilities, a read-only root (podsecurity.go).
						SecurityContext: containerSecurityContext(),
					}},
					Volumes:         []corev1.Volume{tmpVolume()},
					SecurityContext: podSecurityContext(),
				},
			},
		},
	}
	applyPodOptions(&d.Spec.Template.ObjectMeta, &d.Spec.Template.Spec, srv.spec.PodOptions, c.Spec.Zone)
	return d
}

// RenderVtctld renders a cell's vtctld Deployment.
func RenderVtctld(c *v1alpha1.VitessCell, owner metav1.OwnerReference) *appsv1.Deployment {
	d := serverDeployment(c, owner, server{
		name:      VtctldName(c.Spec.Cluster, c.Spec.Name),
		component: componentVtctld,
		binary:    "vtctld",
		spec:      *c.Spec.Vtctld,
		flags:     vtctldFlags(c),
		ports:     []corev1.ContainerPort{{Name: "web", ContainerPort: WebPort}, {Name: "grpc", ContainerPort: GRPCPort}},
	})
	pod := &d.Spec.Template.Spec
	mountBackupStore(pod, &pod.Containers[0], c.Spec.BackupLocation)
	return d
}

// RenderVtgate renders a cell's vtgate Deployment and its Service; with
// authentication, the users file is mounted from the named Secret.
func RenderVtgate(c *v1alpha1.VitessCell, owner metav1.OwnerReference) (*appsv1.Deployment, *corev1.Service) {
	name := VtgateName(c.Spec.Cluster, c.Spec.Name)
	d := serverDeployment(c, owner, server{
		name:      name,
		component: componentVtgate,
		binary:    "vtgate",
		spec:      c.Spec.Vtgate.ComponentSpec,
		flags:     vtgateFlags(c),
		ports: []corev1.ContainerPort{{Name: "web", ContainerPort: WebPort}, {Name: "grpc", ContainerPort: GRPCPort},
			{Name: "mysql", ContainerPort: MySQLPort}},
	})
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
	if o := c.Spec.Vtgate.Service; o != nil {
		svc.Spec.Type = o.Type
		if len(o.Annotations) > 0 {
			svc.Annotations = map[string]string{}
			for k, v := range o.Annotations {
				svc.Annotations[k] = v
			}
		}
	}
	return d, svc
}

// RenderVtctldService renders the Service of every vtctld of a cluster.
func RenderVtctldService(vc *v1alpha1.VitessCluster, owner metav1.OwnerReference) *corev1.Service {
	selector := vtctldLabels(vc.Name)
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: VtctldService(vc.Name), Namespace: vc.Namespace, Labels: selector,
			OwnerReferences: []metav1.OwnerReference{owner}},
		Spec: corev1.ServiceSpec{Selector: selector, Ports: []corev1.ServicePort{
			{Name: "web", Port: WebPort}, {Name: "grpc", Port: GRPCPort}}},
	}
}
