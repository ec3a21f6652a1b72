package realvitess

import (
	"fmt"
	"os"
	"path/filepath"
)

// mariadbCnf is an extra my.cnf for mysqlctld (EXTRA_MY_CNF: mysqlctld
// appends it, as a template, to the [mysqld] group of the my.cnf it writes)
// with what MariaDB needs to act as MySQL 8 does for Vitess:
//
//   - Aria's transaction log (aria_log_control, aria_log.*) beside InnoDB's
//     redo log. MariaDB keeps its system tables (mysql.*) in Aria and stamps
//     them with that log's identity. The builtin backup engine copies the
//     InnoDB files and the database directories, not the files at the top
//     of the data directory (mysqlctl/backupengine.go, findFilesToBackup):
//     a restored mysqld made a new Aria log and mysql_upgrade then failed
//     with "ERROR 1035 ... Old key file for table 'global_priv'; repair
//     it!". In the redo log's directory the engine copies it as InnoDB's.
//   - skip-test-db for mysql_install_db, which reads its own group. Without
//     it the install makes an anonymous user at localhost, which until the
//     init SQL drops it lets every local user name in: vt_dba probing a
//     fresh mysqld gets in as nobody. vttablet's first start with
//     --restore-from-backup probes so, and a connection it pools then keeps
//     no privileges ("Access denied" on STOP SLAVE, and InitPrimary's first
//     write refused by read_only). MySQL 8 makes no anonymous user.
//
// It ends back in the [mysqld] group: a pool's own fragment (the pod's
// EXTRA_MY_CNF) follows it in the same my.cnf.
const mariadbCnf = `
aria-log-dir-path = {{.InnodbLogGroupHomeDir}}

[mysql_install_db]
skip-test-db

[mysqld]
`

func (s *Substrate) mariadbCnf() string { return filepath.Join(s.dir, "mariadb.cnf") }

func (s *Substrate) writeMariadbCnf() error {
	if err := os.WriteFile(s.mariadbCnf(), []byte(mariadbCnf), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", s.mariadbCnf(), err)
	}
	return nil
}
