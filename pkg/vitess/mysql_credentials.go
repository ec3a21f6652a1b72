package vitess

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
	"github.com/vitess-operator/vitess-operator/pkg/dataplane"
)

// A tablet's mysqld is initialized by Vitess's init SQL, which makes the
// accounts vttablet uses. The built-in one leaves them all without a
// password, and one of them, the replication account, is reachable from the
// network: any pod that reaches port 3306 could read the binary log. So a
// shard's tablets get their init SQL and credentials from a Secret (the
// cluster's generated one unless the user names theirs), mounted into both
// containers; mysqlctld runs the SQL on an empty data directory
// (--init-db-sql-file) and vttablet reads the passwords from Vitess's
// credentials file (--db-credentials-server=file, dbconfigs/credentials.go).
const (
	// MySQLInitSQLKey is the credentials Secret's key of the init SQL.
	MySQLInitSQLKey = "init_db.sql"
	// MySQLCredentialsKey is its key of Vitess's credentials file: a JSON
	// object of user to passwords, of which vttablet uses the first.
	MySQLCredentialsKey = "db_credentials.json"
	// ReplicationUser is the account replicas connect to their source as
	// (dbconfigs: the repl user, vt_repl unless --db-repl-user says else).
	ReplicationUser = "vt_repl"

	mysqlCredentialsVolume = "mysql-credentials"
	// mysqlCredentialsDir is where the Secret is mounted, read-only.
	mysqlCredentialsDir = "/vt/secrets/mysql"
)

// MySQLCredentialsSecretName is the name of a cluster's generated MySQL
// credentials Secret.
func MySQLCredentialsSecretName(cluster string) string { return cluster + "-mysql-credentials" }

// mysqlCredentialsSecret is the credentials Secret the cluster gives the
// shards it creates: the user's, or the generated one.
func mysqlCredentialsSecret(vc *v1alpha1.VitessCluster) string {
	if vc.Spec.MySQL != nil && vc.Spec.MySQL.CredentialsSecret != "" {
		return vc.Spec.MySQL.CredentialsSecret
	}
	return MySQLCredentialsSecretName(vc.Name)
}

// keepCredentials is the credentials Secret of a shard: the one the user
// names; else the one an existing shard has, even none, since its tablets'
// accounts were made by the init SQL it had when they started empty, and a
// password their mysqld does not hold would stop replication; else (a new
// shard) the cluster's.
func keepCredentials(vc *v1alpha1.VitessCluster, rendered string, existing *v1alpha1.VitessShard) string {
	if vc.Spec.MySQL != nil && vc.Spec.MySQL.CredentialsSecret != "" {
		return vc.Spec.MySQL.CredentialsSecret
	}
	if existing != nil {
		return existing.Spec.MySQLCredentialsSecret
	}
	return rendered
}

// mysqlAccount is one account the init SQL makes.
type mysqlAccount struct {
	user, host string
	// grants are the privileges on *.* and, after a semicolon, further
	// GRANT clauses of their own.
	grants []string
}

// appPrivileges are the global privileges of the accounts vttablet serves
// queries and runs its own work as.
const appPrivileges = "SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, FILE, REFERENCES, INDEX, ALTER, " +
	"SHOW DATABASES, CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, " +
	"CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER"

// vitessAccounts are the accounts Vitess v24's tablets use, with the
// privileges its own init SQL gives them (config/init_db.sql): the
// replication account is the only one reachable from the network, the
// others only by mysqld's socket.
func vitessAccounts() []mysqlAccount {
	return []mysqlAccount{
		{"vt_dba", "localhost", []string{"ALL ON *.* TO %s WITH GRANT OPTION", "PROXY ON ''@'' TO %s WITH GRANT OPTION"}},
		{"vt_app", "localhost", []string{appPrivileges + " ON *.* TO %s"}},
		{"vt_appdebug", "localhost", []string{"SELECT, SHOW DATABASES, PROCESS ON *.* TO %s"}},
		{"vt_allprivs", "localhost", []string{appPrivileges + ", REPLICATION SLAVE ON *.* TO %s"}},
		{ReplicationUser, "%", []string{"REPLICATION SLAVE ON *.* TO %s"}},
		{"vt_filtered", "localhost", []string{appPrivileges + ", REPLICATION SLAVE ON *.* TO %s"}},
		{"vt_monitoring", "localhost", []string{"SELECT, PROCESS, SUPER, REPLICATION CLIENT, RELOAD ON *.* TO %s",
			"SELECT, UPDATE, DELETE, DROP ON performance_schema.* TO %s"}},
	}
}

// sqlString quotes s as a MySQL string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(s) + "'"
}

// RenderInitSQL is the init SQL of a cluster's generated credentials: the
// accounts of vitessAccounts, the replication one with replPassword, no
// anonymous account, root only through mysqld's socket, and no test
// database. It runs once, on
// an empty data directory, without writing the binary log, so that it makes
// no transaction a replica could lack. super_read_only (on in Vitess's
// my.cnf) is lifted for it and put back, on lines of their own.
func RenderInitSQL(replPassword string) string {
	var b strings.Builder
	b.WriteString("-- Made by vitess-operator for the tablets' mysqld, run once on an empty data directory.\n")
	b.WriteString("SET @operator_super_read_only = IF(@@global.super_read_only = 1, 'ON', 'OFF');\n")
	b.WriteString("SET GLOBAL super_read_only = 'OFF';\n")
	b.WriteString("SET sql_log_bin = 0;\n")
	// root keeps only its socket account: MariaDB's mysql_install_db also
	// makes passwordless root@127.0.0.1 and root@::1, which any container
	// of the pod (a sidecar) could reach over loopback.
	b.WriteString("DROP USER IF EXISTS ''@'%', ''@'localhost', 'root'@'%', 'root'@'127.0.0.1', 'root'@'::1';\n")
	b.WriteString("DROP DATABASE IF EXISTS test;\n")
	for _, a := range vitessAccounts() {
		who := sqlString(a.user) + "@" + sqlString(a.host)
		if a.user == ReplicationUser {
			fmt.Fprintf(&b, "CREATE USER %s IDENTIFIED BY %s;\n", who, sqlString(replPassword))
		} else {
			fmt.Fprintf(&b, "CREATE USER %s;\n", who)
		}
		for _, g := range a.grants {
			fmt.Fprintf(&b, "GRANT "+g+";\n", who)
		}
	}
	b.WriteString("FLUSH PRIVILEGES;\n")
	b.WriteString("SET GLOBAL super_read_only = IFNULL(@operator_super_read_only, 'ON');\n")
	return b.String()
}

// RenderMySQLCredentialsSecret renders the generated credentials Secret of
// cluster vc around replPassword, owned by the cluster.
func RenderMySQLCredentialsSecret(vc *v1alpha1.VitessCluster, owner metav1.OwnerReference, replPassword string) (*corev1.Secret, error) {
	creds, err := json.Marshal(map[string][]string{ReplicationUser: {replPassword}})
	if err != nil {
		return nil, fmt.Errorf("rendering the MySQL credentials of %s: %w", vc.Name, err)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: MySQLCredentialsSecretName(vc.Name), Namespace: vc.Namespace,
			Labels: childLabels(vc, map[string]string{}), OwnerReferences: []metav1.OwnerReference{owner}},
		Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{MySQLInitSQLKey: []byte(RenderInitSQL(replPassword)), MySQLCredentialsKey: creds},
	}, nil
}

// ensureMySQLCredentials makes the cluster's generated credentials Secret.
func (g *generatedSecrets) ensureMySQLCredentials(ctx context.Context, vc *v1alpha1.VitessCluster, owner metav1.OwnerReference) error {
	return g.ensure(ctx, vc, MySQLCredentialsSecretName(vc.Name), func(password string) (*corev1.Secret, error) {
		return RenderMySQLCredentialsSecret(vc, owner, password)
	})
}

// mountMySQLCredentials adds a shard's credentials Secret to a tablet pod:
// a volume readable by the pod's group only, mounted read-only into
// vttablet and mysqld, and the flags that name its files. Nothing when the
// shard has none.
func mountMySQLCredentials(s *v1alpha1.VitessShard, spec *corev1.PodSpec) {
	name := s.Spec.MySQLCredentialsSecret
	if name == "" {
		return
	}
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: mysqlCredentialsVolume, VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: name, DefaultMode: new(int32(0o440))}}})
	for i := range spec.Containers {
		// Only the tablet's own processes read it, not its sidecars.
		if c := &spec.Containers[i]; c.Name == dataplane.VttabletContainer || c.Name == dataplane.MysqldContainer {
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: mysqlCredentialsVolume, MountPath: mysqlCredentialsDir, ReadOnly: true})
		}
	}
}

// mysqlCredentialsFlags are the flags that give a tablet's processes the
// shard's credentials Secret, by container; none when it has none.
func mysqlCredentialsFlags(s *v1alpha1.VitessShard, container string) map[string]string {
	if s.Spec.MySQLCredentialsSecret == "" {
		return nil
	}
	creds := map[string]string{"db-credentials-server": "file", "db-credentials-file": mysqlCredentialsDir + "/" + MySQLCredentialsKey}
	if container == dataplane.MysqldContainer {
		creds["init-db-sql-file"] = mysqlCredentialsDir + "/" + MySQLInitSQLKey
	}
	return creds
}
