package realvitess

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

const sigKill = syscall.SIGKILL

// initDBFile is the MariaDB variant of Vitess's init SQL that
// hack/real-vitess.sh writes beside the binaries.
const initDBFile = "init_db.sql"

// Paths inside a tablet pod, which a tablet's host directories stand in for.
const (
	podDataRoot  = "/vt/vtdataroot"
	podSocketDir = "/vt/socket"
)

// StopGrace is how long StopTablet waits after SIGTERM before SIGKILL, as a
// pod's termination grace period.
const StopGrace = 10 * time.Second

// tablet is one tablet pod on the host.
type tablet struct {
	alias, uid, pod, tabletType  string
	dir                          string // the tablet's directory
	dataRoot                     string // stands in for /vt/vtdataroot (the pod's data claim)
	socketDir                    string // stands in for /vt/socket (an emptyDir)
	webPort, grpcPort, mysqlPort int

	// The host command lines and environments of the pod's two containers.
	vttabletArgv, vttabletEnv   []string
	mysqlctldArgv, mysqlctldEnv []string
	// secretVols are the pod's Secret volumes, filled at every start.
	secretVols []secretVolume
	// initSQL is the host file of the init SQL the pod names (on a Secret
	// volume), of which mysqlctld runs a MariaDB copy; "" when it names
	// none.
	initSQL string

	mu        sync.Mutex
	vttablet  *proc
	mysqlctld *proc
	reachable bool
	// started is true from StartTablet to KillTablet or StopTablet: the pod
	// exists, and a container whose process exits is restarted, as the
	// kubelet does (restartPolicy Always).
	started  bool
	gen      int // bumped by every start, kill and stop
	restarts int
}

// makeTablets renders the tablet pods of the shard as the operator does and
// turns each into a host tablet.
func (s *Substrate) makeTablets() error {
	pods, err := vitess.TabletPods(s.shard)
	if err != nil {
		return fmt.Errorf("rendering tablet pods: %w", err)
	}
	byUID := map[uint32]*corev1.Pod{}
	for _, p := range pods {
		uid, err := strconv.ParseUint(podEnv(p, dataplane.VttabletContainer, "TABLET_UID"), 10, 32)
		if err != nil {
			return fmt.Errorf("pod %s: TABLET_UID: %w", p.Name, err)
		}
		byUID[uint32(uid)] = p
	}
	// Replicas first, then rdonly, each pool by index: the order Tablets
	// lists them in.
	ts := vitess.Tablets(s.shard)
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].Pool != ts[j].Pool {
			return ts[i].Pool == vitess.PoolMasterEligible
		}
		return ts[i].Index < ts[j].Index
	})
	for _, t := range ts {
		p, ok := byUID[t.UID]
		if !ok {
			return fmt.Errorf("no pod rendered for tablet %s", vitess.TabletAlias(t.Cell, t.UID))
		}
		tb, err := s.hostTablet(p)
		if err != nil {
			return fmt.Errorf("pod %s: %w", p.Name, err)
		}
		s.tablets = append(s.tablets, tb)
		s.byName[tb.alias] = tb
		s.byName[tb.pod] = tb
	}
	if len(s.tablets) != s.cfg.Replicas+s.cfg.Rdonly {
		return fmt.Errorf("rendered %d tablets, not %d", len(s.tablets), s.cfg.Replicas+s.cfg.Rdonly)
	}
	return nil
}

func podEnv(p *corev1.Pod, container, name string) string {
	for _, c := range p.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value
			}
		}
	}
	return ""
}

func podContainer(p *corev1.Pod, name string) (corev1.Container, error) {
	for _, c := range p.Spec.Containers {
		if c.Name == name {
			return c, nil
		}
	}
	return corev1.Container{}, fmt.Errorf("no container %s", name)
}

// hostTablet turns a rendered tablet pod into host command lines.
func (s *Substrate) hostTablet(p *corev1.Pod) (*tablet, error) {
	ports, err := s.ports.take(3)
	if err != nil {
		return nil, err
	}
	tb := &tablet{
		alias:      podEnv(p, dataplane.VttabletContainer, "TABLET_ALIAS"),
		uid:        podEnv(p, dataplane.VttabletContainer, "TABLET_UID"),
		tabletType: podEnv(p, dataplane.VttabletContainer, "TABLET_TYPE"),
		pod:        p.Name,
		webPort:    ports[0], grpcPort: ports[1], mysqlPort: ports[2],
		reachable: true,
	}
	if tb.alias == "" || tb.uid == "" {
		return nil, fmt.Errorf("the vttablet container has no TABLET_ALIAS or TABLET_UID")
	}
	tb.dir = filepath.Join(s.dir, tb.alias)
	tb.dataRoot = filepath.Join(tb.dir, "vtdataroot")
	tb.socketDir = filepath.Join(tb.dir, "socket")
	paths := map[string]string{podDataRoot: tb.dataRoot, podSocketDir: tb.socketDir}

	if tb.secretVols, err = s.secretVolumes(p, tb); err != nil {
		return nil, err
	}
	vt, err := podContainer(p, dataplane.VttabletContainer)
	if err != nil {
		return nil, err
	}
	tb.vttabletArgv, tb.vttabletEnv, err = s.hostCommand(vt, rewrite{
		paths: containerPaths(vt, tb.secretVols, paths),
		overrides: map[string]string{
			// Every tablet listens on its own loopback ports, not the pod's.
			"port":      strconv.Itoa(tb.webPort),
			"grpc-port": strconv.Itoa(tb.grpcPort),
			// The lockserver is the tier's etcd, not the cluster's Service.
			"topo-global-server-address": s.etcdAddr,
		},
		env: hostEnv(tb.dir),
	})
	if err != nil {
		return nil, fmt.Errorf("vttablet: %w", err)
	}
	my, err := podContainer(p, dataplane.MysqldContainer)
	if err != nil {
		return nil, err
	}
	if err := s.downwardMyCnf(p, tb, paths); err != nil {
		return nil, err
	}
	myPaths := containerPaths(my, tb.secretVols, paths)
	overrides := map[string]string{
		// mysqld listens on the tablet's own port; replicas reach it
		// there, as the tablet records it in the topology.
		"mysql-port": strconv.Itoa(tb.mysqlPort),
	}
	// Init SQL sets super_read_only, which MariaDB does not have: the
	// pod's, or Vitess's built-in one, without it.
	initOverride, additions := s.mysqlInitSQL(my, tb, myPaths)
	for k, v := range initOverride {
		overrides[k] = v
	}
	tb.mysqlctldArgv, tb.mysqlctldEnv, err = s.hostCommand(my, rewrite{
		paths:     myPaths,
		overrides: overrides,
		additions: additions,
		env:       append(hostEnv(tb.dir), "EXTRA_MY_CNF="+s.mariadbCnf()),
	})
	if err != nil {
		return nil, fmt.Errorf("mysqlctld: %w", err)
	}
	tb.mysqlctldEnv = joinExtraMyCnf(tb.mysqlctldEnv)
	return tb, nil
}

// downwardMyCnf does what the kubelet does for a pool's my.cnf fragment:
// the pod's downward API volume becomes a file holding the pod's
// annotation, in a host directory that stands in for its mount.
func (s *Substrate) downwardMyCnf(p *corev1.Pod, tb *tablet, paths map[string]string) error {
	cnf, ok := p.Annotations[vitess.AnnotationMyCnf]
	if !ok {
		return nil
	}
	dir := filepath.Join(tb.dir, "mycnf")
	if err := s.acc.mkdirs(dir); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "extra.cnf"), []byte(cnf), 0o644); err != nil {
		return fmt.Errorf("writing the my.cnf fragment of %s: %w", p.Name, err)
	}
	paths["/vt/config/extra"] = dir
	return nil
}

// joinExtraMyCnf makes one EXTRA_MY_CNF of the tier's (MariaDB's) and the
// pod's, in that order, which mysqlctld reads as a colon-separated list:
// as two variables, the pod's would hide the tier's.
func joinExtraMyCnf(env []string) []string {
	var files []string
	out := make([]string, 0, len(env))
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "EXTRA_MY_CNF="); ok {
			files = append(files, v)
			continue
		}
		out = append(out, e)
	}
	if len(files) > 0 {
		out = append(out, "EXTRA_MY_CNF="+strings.Join(files, ":"))
	}
	return out
}

// rewrite says how a container's command line becomes a host one.
type rewrite struct {
	// paths maps pod paths to host directories, in flag values and in
	// the container's environment.
	paths map[string]string
	// overrides replace the values of flags the operator renders; each
	// must be rendered, so that a renamed flag fails here.
	overrides map[string]string
	// additions are flags the host process needs and the pod does not.
	additions []string
	// env is the environment the container's own is added to.
	env []string
}

// hostCommand turns a rendered container into a host command line and
// environment: the binary from REAL_VITESS_BIN instead of /vt/bin; $(POD_IP)
// is 127.0.0.1; pod paths become the tablet's directories; the overridden
// flags take the tier's ports and lockserver; the additions follow. Anything left
// pointing into the container (/vt/...) is an error.
func (s *Substrate) hostCommand(c corev1.Container, r rewrite) (argv, env []string, err error) {
	if len(c.Command) == 0 || !strings.HasPrefix(c.Command[0], "/vt/bin/") {
		return nil, nil, fmt.Errorf("container %s runs %v, not a /vt/bin binary", c.Name, c.Command)
	}
	argv = append([]string{filepath.Join(s.bin, filepath.Base(c.Command[0]))}, c.Command[1:]...)
	paths, err := s.mountPaths(c, r.paths)
	if err != nil {
		return nil, nil, err
	}
	used := map[string]bool{}
	for _, a := range c.Args {
		name, value, isFlag := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || !isFlag {
			argv = append(argv, s.hostValue(a, paths))
			continue
		}
		if v, ok := r.overrides[name]; ok {
			used[name] = true
			value = v
		} else {
			value = s.hostValue(value, paths)
		}
		argv = append(argv, "--"+name+"="+value)
	}
	for name := range r.overrides {
		if !used[name] {
			return nil, nil, fmt.Errorf("container %s: the operator no longer renders --%s, which the host overrides", c.Name, name)
		}
	}
	// Vitess v24 logs to stderr (structured), which is the process's log
	// file here as it is the container's log in a pod: no flag needed.
	argv = append(argv, r.additions...)
	env = append([]string(nil), r.env...)
	// Secret values are kept out of the check below, whose error would
	// print them.
	var secretEnv []string
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "status.podIP":
			env = append(env, e.Name+"=127.0.0.1")
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			data, _ := s.secretData(ref.Name)
			v, ok := data[ref.Key]
			if !ok {
				return nil, nil, fmt.Errorf("container %s: env %s comes from key %s of Secret %s, which the tier was not given (WithSecret)",
					c.Name, e.Name, ref.Key, ref.Name)
			}
			secretEnv = append(secretEnv, e.Name+"="+v)
		case e.ValueFrom != nil:
			return nil, nil, fmt.Errorf("container %s: env %s comes from %v, which the host cannot give", c.Name, e.Name, e.ValueFrom)
		default:
			env = append(env, e.Name+"="+s.hostValue(e.Value, paths))
		}
	}
	for _, a := range append(argv[1:], env...) {
		if strings.Contains(a, "/vt/") || strings.Contains(a, "$(") {
			return nil, nil, fmt.Errorf("container %s: %q still points into the pod", c.Name, a)
		}
	}
	return argv, append(env, secretEnv...), nil
}

// backupVolume is the volume a volume backup store is mounted from in the
// pods the operator renders (vitess.mountBackupStore).
const backupVolume = "backup"

// mountPaths is paths with the container's mount of the backup store added:
// every tablet and vtctld share one host directory, as they share the
// store's ReadWriteMany claim.
func (s *Substrate) mountPaths(c corev1.Container, paths map[string]string) (map[string]string, error) {
	out := map[string]string{}
	for pod, host := range paths {
		out[pod] = host
	}
	for _, m := range c.VolumeMounts {
		if m.Name != backupVolume {
			continue
		}
		if s.cfg.Backup == nil || s.cfg.Backup.Location.Volume == nil {
			return nil, fmt.Errorf("container %s mounts %s at %s, and the config has no volume backup store", c.Name, m.Name, m.MountPath)
		}
		out[m.MountPath] = s.backupDir()
	}
	return out, nil
}

// hostValue rewrites one flag value or environment value.
func (s *Substrate) hostValue(v string, paths map[string]string) string {
	v = strings.ReplaceAll(v, "$(POD_IP)", "127.0.0.1")
	for pod, host := range paths {
		if v == pod || strings.HasPrefix(v, pod+"/") {
			return host + strings.TrimPrefix(v, pod)
		}
	}
	return v
}
