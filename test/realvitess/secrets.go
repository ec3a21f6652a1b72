package realvitess

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/vitess"
)

// WithoutMySQLCredentials renders the shard without a MySQL credentials
// Secret, as a shard the operator made before it generated one: its tablets
// run Vitess's built-in init SQL, whose accounts have no password.
func WithoutMySQLCredentials() Option {
	return func(s *Substrate) { s.noCredentials = true }
}

// mysqlInitCopy is the tablet's file of the MariaDB variant of the init SQL
// its pod names.
const mysqlInitCopy = "init_db.mariadb.sql"

// secretVolume is a Secret volume of a tablet pod: a directory of the
// tablet's that holds the Secret's keys as files, as the kubelet's tmpfs
// does.
type secretVolume struct {
	name, secret, dir string
}

// shardCredentials gives the shard the credentials Secret the operator
// would. Rendering names the cluster's generated Secret; the operator's
// cluster reconciler makes it, with a random password, before the first
// shard, so the tier does the same unless the test gave that Secret
// (WithSecret) or wants the shard without one.
func (s *Substrate) shardCredentials() error {
	if s.noCredentials {
		s.shard.Spec.MySQLCredentialsSecret = ""
		return nil
	}
	name := s.shard.Spec.MySQLCredentialsSecret
	if _, ok := s.secretData(name); name == "" || ok || name != vitess.MySQLCredentialsSecretName(clusterName) {
		return nil
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return fmt.Errorf("generating the replication password: %w", err)
	}
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: clusterName, Namespace: namespace}}
	secret, err := vitess.RenderMySQLCredentialsSecret(vc, metav1.OwnerReference{}, hex.EncodeToString(raw))
	if err != nil {
		return err
	}
	data := map[string]string{}
	for k, v := range secret.Data {
		data[k] = string(v)
	}
	s.setSecret(name, data)
	return nil
}

// setSecret replaces the data of a Secret, as a user editing it: the pods
// made after it (StartTablet) see the new data, as a new pod's Secret
// volume does; running ones keep what they read.
func (s *Substrate) setSecret(name string, data map[string]string) {
	s.secretsMu.Lock()
	defer s.secretsMu.Unlock()
	if s.secrets == nil {
		s.secrets = map[string]map[string]string{}
	}
	copied := make(map[string]string, len(data))
	for k, v := range data {
		copied[k] = v
	}
	s.secrets[name] = copied
}

// secretData is a copy of the data of a Secret the tier was given.
func (s *Substrate) secretData(name string) (map[string]string, bool) {
	s.secretsMu.Lock()
	defer s.secretsMu.Unlock()
	data, ok := s.secrets[name]
	if !ok {
		return nil, false
	}
	copied := make(map[string]string, len(data))
	for k, v := range data {
		copied[k] = v
	}
	return copied, true
}

// secretVolumes are the Secret volumes of a tablet pod, each a directory
// under the tablet's. The kubelet keeps a pod whose Secret is missing from
// starting; here that is an error naming the Secret.
func (s *Substrate) secretVolumes(p *corev1.Pod, tb *tablet) ([]secretVolume, error) {
	var vols []secretVolume
	for _, v := range p.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		if len(v.Secret.Items) > 0 {
			return nil, fmt.Errorf("volume %s picks keys of Secret %s, which the tier does not do", v.Name, v.Secret.SecretName)
		}
		if _, ok := s.secretData(v.Secret.SecretName); !ok {
			return nil, fmt.Errorf("volume %s is Secret %s, which the tier was not given (WithSecret)", v.Name, v.Secret.SecretName)
		}
		vols = append(vols, secretVolume{name: v.Name, secret: v.Secret.SecretName, dir: filepath.Join(tb.dir, "secrets", v.Name)})
	}
	return vols, nil
}

// containerPaths is paths with the container's Secret mounts added, each
// mount path standing for its volume's directory.
func containerPaths(c corev1.Container, vols []secretVolume, paths map[string]string) map[string]string {
	out := map[string]string{}
	for pod, host := range paths {
		out[pod] = host
	}
	for _, m := range c.VolumeMounts {
		for _, v := range vols {
			if v.name == m.Name {
				out[strings.TrimSuffix(m.MountPath, "/")] = v.dir
			}
		}
	}
	return out
}

// mysqlInitSQL decides the init SQL the tablet's mysqlctld runs: the pod's
// own --init-db-sql-file, from a Secret volume, when it names one, else the
// MariaDB copy of Vitess's built-in one hack/real-vitess.sh writes (the
// operator passes none then: vitess/lite's MySQL 8 takes the built-in one).
// Either way MariaDB needs a copy without super_read_only, which it does not
// have: the pod's flag then names the tablet's copy (refreshed by
// writeSecretVolumes), which is returned as an override.
func (s *Substrate) mysqlInitSQL(c corev1.Container, tb *tablet, paths map[string]string) (overrides map[string]string, additions []string) {
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--init-db-sql-file="); ok {
			tb.initSQL = s.hostValue(v, paths)
			return map[string]string{"init-db-sql-file": filepath.Join(tb.dir, mysqlInitCopy)}, nil
		}
	}
	return nil, []string{"--init-db-sql-file=" + filepath.Join(s.bin, initDBFile)}
}

// writeSecretVolumes fills the tablet's Secret volumes with the Secrets'
// current data, as the kubelet does before it starts a pod's containers,
// and makes the MariaDB copy of the init SQL the pod names; tb.mu is held.
// Each file is replaced, not rewritten: it is read-only, and a process may
// be reading the one before.
func (s *Substrate) writeSecretVolumes(tb *tablet) error {
	for _, v := range tb.secretVols {
		data, ok := s.secretData(v.secret)
		if !ok {
			return fmt.Errorf("realvitess: tablet %s: the tier has no Secret %s", tb.alias, v.secret)
		}
		if err := s.acc.mkdirs(v.dir); err != nil {
			return err
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := s.writeReadOnly(filepath.Join(v.dir, k), []byte(data[k])); err != nil {
				return fmt.Errorf("realvitess: tablet %s: key %s of Secret %s: %w", tb.alias, k, v.secret, err)
			}
		}
	}
	if tb.initSQL == "" {
		return nil
	}
	sql, err := os.ReadFile(tb.initSQL)
	if err != nil {
		return fmt.Errorf("realvitess: tablet %s: the pod's init SQL: %w", tb.alias, err)
	}
	if err := s.writeReadOnly(filepath.Join(tb.dir, mysqlInitCopy), []byte(withoutSuperReadOnly(string(sql)))); err != nil {
		return fmt.Errorf("realvitess: tablet %s: the MariaDB init SQL: %w", tb.alias, err)
	}
	return nil
}

// withoutSuperReadOnly drops the lines of an init SQL that name
// super_read_only, as hack/real-vitess.sh does to Vitess's own: the
// operator's puts each such statement on a line of its own for this.
func withoutSuperReadOnly(sql string) string {
	var kept []string
	for _, line := range strings.SplitAfter(sql, "\n") {
		if !strings.Contains(line, "super_read_only") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "")
}

// writeReadOnly replaces path with data, readable by the tier's account
// only, as a Secret volume's files are readable by the pod's only.
func (s *Substrate) writeReadOnly(path string, data []byte) error {
	tmp := path + ".tmp"
	// One left by a failed write is read-only to a non-root test.
	_ = os.Remove(tmp)
	if err := os.WriteFile(tmp, data, 0o400); err != nil {
		return err
	}
	if err := s.acc.chown(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
