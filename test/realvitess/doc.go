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
//   - Each mysqlctld gets an extra my.cnf (mariadb.go) that puts MariaDB's
//     Aria log where the builtin backup engine copies it and keeps
//     mysql_install_db from making an anonymous user.
package realvitess
