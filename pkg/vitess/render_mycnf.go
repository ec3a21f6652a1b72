package vitess

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// AnnotationMyCnf carries a pool's my.cnf fragment on its tablet pods,
// from which a downward API volume makes the file mysqlctld reads: no
// ConfigMap to make, watch or keep in step with the pod.
const AnnotationMyCnf = "vitess.io/my-cnf"

// Where the mysqld container finds the fragment.
const (
	myCnfDir  = "/vt/config/extra"
	myCnfFile = "extra.cnf"
)

// addMyCnf gives a tablet pod its pool's my.cnf fragment: the annotation,
// the volume made from it, and EXTRA_MY_CNF on the mysqld container, whose
// mysqlctld appends the file to the my.cnf it writes (mysqlctl/mysqld.go,
// getMycnfTemplate) when it initialises mysqld and at each later start
// (RefreshConfig).
func addMyCnf(pod *corev1.Pod, p *v1alpha1.TabletPool) {
	if p == nil || p.MyCnf == "" {
		return
	}
	if pod.Annotations == nil {
		pod.Annotations = map[string]string{}
	}
	pod.Annotations[AnnotationMyCnf] = p.MyCnf
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "mycnf", VolumeSource: corev1.VolumeSource{
		DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{{
			Path: myCnfFile, FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.annotations['" + AnnotationMyCnf + "']"},
		}}},
	}})
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if c.Name != dataplane.MysqldContainer {
			continue
		}
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "mycnf", MountPath: myCnfDir, ReadOnly: true})
		c.Env = append(c.Env, corev1.EnvVar{Name: "EXTRA_MY_CNF", Value: myCnfDir + "/" + myCnfFile})
	}
}
