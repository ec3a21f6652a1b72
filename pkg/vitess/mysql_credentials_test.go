package vitess

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// TestInitSQLLeavesNoPasswordlessNetworkAccount proves the generated init
// SQL makes every account Vitess's tablets use, gives the only one reachable
// from the network (host '%') the password, keeps its work out of the
// binary log, and quotes a password that holds a quote.
func TestInitSQLLeavesNoPasswordlessNetworkAccount(t *testing.T) {
	sql := RenderInitSQL("pa'ss")
	create := regexp.MustCompile(`(?m)^CREATE USER '([^']+)'@'([^']*)'(.*);$`)
	users := map[string]bool{}
	for _, m := range create.FindAllStringSubmatch(sql, -1) {
		users[m[1]] = true
		if m[2] != "localhost" {
			assert.Equal(t, " IDENTIFIED BY 'pa''ss'", m[3], "network account %s@%s", m[1], m[2])
		}
	}
	for _, u := range []string{"vt_dba", "vt_app", "vt_appdebug", "vt_allprivs", "vt_repl", "vt_filtered", "vt_monitoring"} {
		assert.True(t, users[u], "account %s", u)
	}
	assert.Contains(t, sql, "GRANT REPLICATION SLAVE ON *.* TO 'vt_repl'@'%';")
	assert.Contains(t, sql, "DROP USER IF EXISTS ''@'%', ''@'localhost', 'root'@'%', 'root'@'127.0.0.1', 'root'@'::1';")
	assert.Less(t, strings.Index(sql, "SET sql_log_bin = 0;"), strings.Index(sql, "CREATE USER"))
	// super_read_only is lifted and restored on lines of their own, which a
	// MySQL without it (MariaDB) can drop.
	for _, line := range strings.Split(sql, "\n") {
		if strings.Contains(line, "super_read_only") {
			assert.NotContains(t, line, "USER")
		}
	}
}

// TestMySQLCredentialsSecret proves the generated Secret holds the init SQL
// and Vitess's credentials file with the same password, and is made once.
func TestMySQLCredentialsSecret(t *testing.T) {
	vc := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "shop", Namespace: testNS, UID: "uid-1"}}
	kube := fake.NewClientset()
	g := newGeneratedSecrets(kube)
	require.NoError(t, g.ensureMySQLCredentials(context.Background(), vc, controllerRef(vc, ClusterKind)))
	require.NoError(t, g.ensureMySQLCredentials(context.Background(), vc, controllerRef(vc, ClusterKind)))
	assert.Len(t, kube.Actions(), 2, "one get and one create")
	s, err := kube.CoreV1().Secrets(testNS).Get(context.Background(), "shop-mysql-credentials", metav1.GetOptions{})
	require.NoError(t, err)
	var creds map[string][]string
	require.NoError(t, json.Unmarshal(s.Data[MySQLCredentialsKey], &creds))
	require.Len(t, creds[ReplicationUser], 1)
	password := creds[ReplicationUser][0]
	assert.Len(t, password, 32)
	assert.Equal(t, RenderInitSQL(password), string(s.Data[MySQLInitSQLKey]))

	// The vtgate Secret of the same cluster is a Secret of its own.
	require.NoError(t, g.ensureVtgateAuth(context.Background(), vc, controllerRef(vc, ClusterKind)))
	_, err = kube.CoreV1().Secrets(testNS).Get(context.Background(), "shop-vtgate-auth", metav1.GetOptions{})
	require.NoError(t, err)
}

// TestKeepCredentials proves a shard keeps the Secret its tablets were
// initialized with unless the user names one: a shard made before the
// operator generated credentials keeps none.
func TestKeepCredentials(t *testing.T) {
	named := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "shop"},
		Spec: v1alpha1.VitessClusterSpec{MySQL: &v1alpha1.MySQLSpec{CredentialsSecret: "mine"}}}
	plain := &v1alpha1.VitessCluster{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}
	shard := func(secret string) *v1alpha1.VitessShard {
		return &v1alpha1.VitessShard{Spec: v1alpha1.VitessShardSpec{MySQLCredentialsSecret: secret}}
	}
	for _, tc := range []struct {
		name     string
		vc       *v1alpha1.VitessCluster
		existing *v1alpha1.VitessShard
		want     string
	}{
		{"new shard gets the generated Secret", plain, nil, "shop-mysql-credentials"},
		{"new shard gets the user's", named, nil, "mine"},
		{"old shard without credentials keeps none", plain, shard(""), ""},
		{"old shard keeps the generated one", plain, shard("shop-mysql-credentials"), "shop-mysql-credentials"},
		{"the user's wins over an old shard's", named, shard(""), "mine"},
		{"an old shard keeps the user's after it is unset", plain, shard("mine"), "mine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, keepCredentials(tc.vc, mysqlCredentialsSecret(tc.vc), tc.existing))
		})
	}
}

// TestTabletPodMountsMySQLCredentials proves a shard's Secret reaches both
// containers read-only, mysqlctld runs its init SQL and vttablet reads its
// credentials file; a shard without one gets neither.
func TestTabletPodMountsMySQLCredentials(t *testing.T) {
	s := testShard()
	s.Spec.MySQLCredentialsSecret = "shop-mysql-credentials"
	tb := tabletOf(t, s, "zone1", PoolMasterEligible)
	pod := tabletPod(s, tb, "rev1", metav1.OwnerReference{})
	var vol *corev1.Volume
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == mysqlCredentialsVolume {
			vol = &pod.Spec.Volumes[i]
		}
	}
	require.NotNil(t, vol)
	assert.Equal(t, "shop-mysql-credentials", vol.Secret.SecretName)
	assert.Equal(t, int32(0o440), *vol.Secret.DefaultMode)
	for _, c := range pod.Spec.Containers {
		assert.Contains(t, c.VolumeMounts, corev1.VolumeMount{Name: mysqlCredentialsVolume, MountPath: "/vt/secrets/mysql", ReadOnly: true}, c.Name)
		f := flagValues(t, c.Args)
		assert.Equal(t, "file", f["db-credentials-server"], c.Name)
		assert.Equal(t, "/vt/secrets/mysql/db_credentials.json", f["db-credentials-file"], c.Name)
		if c.Name == dataplane.MysqldContainer {
			assert.Equal(t, "/vt/secrets/mysql/init_db.sql", f["init-db-sql-file"])
		} else {
			assert.NotContains(t, f, "init-db-sql-file")
		}
	}

	plain := tabletPod(testShard(), tb, "rev1", metav1.OwnerReference{})
	for _, c := range plain.Spec.Containers {
		assert.NotContains(t, flagValues(t, c.Args), "db-credentials-file", c.Name)
	}
	for _, v := range plain.Spec.Volumes {
		assert.NotEqual(t, mysqlCredentialsVolume, v.Name)
	}
}
