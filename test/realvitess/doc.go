// Package realvitess is the real-Vitess substrate of the scenarios
// (test/scenarios): one etcd, one vtctld and the tablets of one shard, each a
// mysqlctld and a vttablet, run as host processes on loopback from the Vitess
// release pinned in hack/real-vitess (patched to run on MariaDB, which is the
// mysqld here). hack/real-vitess.sh installs MariaDB and builds the binaries
// into _output/real-vitess/bin; New skips the test unless REAL_VITESS_BIN
// names that directory.
//
// The tablets run the command lines the operator renders for their pods
// (vitess.TabletPods), and vtctld the one it renders for its Deployment
// (vitess.RenderVtctld), rewritten only where a host process must differ
// from a container; see hostCommand for every rewrite and addition. The cell
// and the keyspace are made with the operator's AddCellInfo and
// CreateKeyspace commands.
//
// What the scenarios see here, beyond scenarios.Substrate:
//   - Vitess daemons refuse to run as root: a root test runs every process,
//     and every exec, as the user hack/real-vitess.sh creates (vitess-test,
//     or REAL_VITESS_USER).
//   - An exec fails with an error, as through the kubelet, when the tablet
//     is cut off, and also when the container's process is not running
//     (after KillTablet or StopTablet, or between restarts).
//   - Until KillTablet or StopTablet, a container whose process exits is
//     started again after a back-off of 1s, doubling to 30s, as the kubelet
//     does (ten times shorter).
//   - mysqld is MariaDB: positions are MariaDB GTIDs (domain-server-seq),
//     there is no super_read_only and no server_uuid, and vt_dba, which
//     holds every privilege, writes through read_only. Write therefore
//     connects as vt_app, which read_only stops, as MySQL's super_read_only
//     stops everyone.
//   - With Config.Backup, the cluster's spec.backup, the tablets and vtctld
//     run with the store's flags. A volume store is one directory of the
//     tier that every tablet and vtctld mounts at /vt/backups; an S3 store
//     is whatever the test serves (backup_test.go serves gofakes3 on
//     loopback), its credentials given by WithSecret. DeleteClaim empties
//     a stopped tablet's data directory, so that it restores at its next
//     start, and the vtctld pod (VtctldPod) takes the operator's
//     vtctldclient commands (dataplane.NewVtctld).
//   - Secrets are the tier's to give: WithSecret gives a Secret's data, and
//     a shard that names the cluster's generated MySQL credentials Secret
//     (vitess.Render names it) gets one as the operator makes it
//     (vitess.RenderMySQLCredentialsSecret, a random replication
//     password), unless WithoutMySQLCredentials renders it without, as a
//     shard made before the operator generated them. A pod's Secret
//     volume is a directory of the tablet's holding each key as a file,
//     readable by the tier's user only, written afresh at every
//     StartTablet (a new pod reads the Secret as it is then; secrets.go),
//     and its mount path maps there in the containers' flags. MariaDB has
//     no super_read_only: mysqlctld runs a copy of the init SQL without
//     the lines that name it, of the pod's --init-db-sql-file when it
//     passes one (from the credentials Secret), else of Vitess's built-in
//     one, which hack/real-vitess.sh writes (vitess/lite's MySQL 8 takes
//     the built-in one when the operator passes none).
//   - MariaDB's mysql_install_db (Vitess runs it with
//     --auth-root-authentication-method=normal) makes root@127.0.0.1,
//     root@::1 and root@<hostname> without a password, which MySQL 8's
//     --initialize-insecure does not; neither init SQL drops them. Only
//     loopback clients reach them (mysqld ignores the hostname one under
//     skip-name-resolve): credentials_test.go logs in from the host's
//     other address, as another pod would.
//   - Each mysqlctld gets an extra my.cnf (mariadb.go) that puts MariaDB's
//     Aria log where the builtin backup engine copies it and keeps
//     mysql_install_db from making an anonymous user.
package realvitess
