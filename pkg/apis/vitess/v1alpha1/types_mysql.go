package v1alpha1

// MySQLSpec configures the MySQL servers of every tablet of a cluster.
type MySQLSpec struct {
	// CredentialsSecret names a Secret of the cluster's namespace that holds
	// the tablets' init SQL (key init_db.sql, run once when a tablet's
	// mysqld starts on an empty data directory) and their database
	// credentials (key db_credentials.json: Vitess's credentials file, user
	// to passwords). The operator mounts it and never reads it. Unset, the
	// operator makes <cluster>-mysql-credentials once, with a random
	// password for the replication user, the only account that replicas
	// reach over the network, and gives it to shards it creates from then
	// on; a shard made before keeps the passwordless account it was
	// initialized with. A cluster restored from another cluster's backups
	// names that cluster's Secret: the restored tablets hold its accounts.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	CredentialsSecret string `json:"credentialsSecret,omitempty"`
}
