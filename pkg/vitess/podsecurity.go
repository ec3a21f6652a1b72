package vitess

import corev1 "k8s.io/api/core/v1"

// The vitess user of the vitess/lite image (Image). The image names it only
// by name (`USER vitess`), so the kubelet cannot check runAsNonRoot against
// it: the pod gives the numbers. docker/lite/Dockerfile of Vitess v24 creates
// it with `groupadd -r vitess && useradd -r -g vitess vitess` in the final
// stage, after the MySQL packages, whose mysql user adduser takes from the
// bottom of the system range; groupadd -r and useradd -r take from the top,
// so vitess is 999:999. It owns /vt, where the Vitess binaries, config and
// the data root /vt/vtdataroot live; mysqld (/usr/sbin/mysqld) refuses to
// run as root, so the mysqld container must run as it too.
const (
	VitessUID int64 = 999
	VitessGID int64 = 999
)

// podSecurityContext is the pod-level security context of the pods that run
// the Vitess image: tablets (vttablet and mysqlctld), vtctld and vtgate.
//
//   - RunAsUser, RunAsGroup: the image's vitess user and group, which own
//     /vt; given as numbers so RunAsNonRoot can be checked.
//   - RunAsNonRoot: the kubelet refuses to start a container that would run
//     as root, e.g. an image given in a spec whose user is root.
//   - FSGroup: the data claim is mounted at /vt/vtdataroot, over the image's
//     directory; a fresh volume is owned by root, and mysqlctld (as vitess)
//     must create vt_<uid>/ in it. With the vitess group as fsGroup the
//     kubelet makes the claim's root group-owned and group-writable (set-gid,
//     so what mysqld creates keeps the group), and adds the group to every
//     container's processes.
//   - FSGroupChangePolicy OnRootMismatch: the kubelet changes ownership only
//     when the volume's root is not already right, instead of walking a
//     tablet's whole MySQL data directory on every pod start.
//   - SeccompProfile RuntimeDefault: the container runtime's default syscall
//     filter; neither Vitess nor mysqld needs more.
//
// With containerSecurityContext this is the "restricted" Pod Security
// Standard.
func podSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsUser:           new(VitessUID),
		RunAsGroup:          new(VitessGID),
		RunAsNonRoot:        new(true),
		FSGroup:             new(VitessGID),
		FSGroupChangePolicy: new(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// containerSecurityContext is the security context of each container of
// those pods, and of etcd's.
//
//   - AllowPrivilegeEscalation false: no process may gain privileges beyond
//     its parent's (no set-uid binaries, no_new_privs); nothing in Vitess,
//     mysqld or etcd needs that.
//   - Capabilities drop ALL: a non-root process needs no capability to open
//     its ports (all above 1024), write its claim (fsGroup) or run mysqld.
//   - ReadOnlyRootFilesystem: the image is not written. What the processes
//     write goes to their volumes: mysqld's data, socket, pid, error log,
//     tmpdir and secure-file-priv all live in the tablet's directory under
//     /vt/vtdataroot (Vitess v24 config/mycnf/default.cnf and
//     go/vt/mysqlctl/mycnf.go), mysqlX is off (config/mycnf/mysql8*.cnf),
//     etcd writes only its data directory, and the rest (mysqlctld's init
//     scripts from os.CreateTemp, Vitess's log files, whose directory is the
//     temporary one) goes to /tmp, an emptyDir of the pod (tmpVolume).
func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: new(false),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		ReadOnlyRootFilesystem:   new(true),
	}
}

// tmpVolumeName is the pod volume mounted at /tmp in every container of a
// Vitess pod.
const tmpVolumeName = "tmp"

// tmpVolume is the emptyDir that holds /tmp under a read-only root: it goes
// with the pod, as the image's /tmp would with the container.
func tmpVolume() corev1.Volume {
	return corev1.Volume{Name: tmpVolumeName, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
}

// tmpMount mounts tmpVolume at /tmp.
func tmpMount() corev1.VolumeMount { return corev1.VolumeMount{Name: tmpVolumeName, MountPath: "/tmp"} }

// The nonroot user and group of the distroless base of etcd's images
// (quay.io/coreos/etcd v3.5 and later build on gcr.io/distroless/static,
// which defines nonroot as 65532 and sets no USER, so etcd would run as
// root).
const (
	EtcdUID int64 = 65532
	EtcdGID int64 = 65532
)

// etcdPodSecurityContext is the pod-level security context of etcd's pods:
// the distroless nonroot user, and its group as fsGroup so that the data
// claim (root-owned when fresh, or written by an etcd that ran as root
// before) is group-writable for it; the kubelet re-owns it only when the
// claim's root does not match. etcd warns when its data directory is not
// 0700, and runs.
func etcdPodSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsUser:           new(EtcdUID),
		RunAsGroup:          new(EtcdGID),
		RunAsNonRoot:        new(true),
		FSGroup:             new(EtcdGID),
		FSGroupChangePolicy: new(corev1.FSGroupChangeOnRootMismatch),
		SeccompProfile:      &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}
