package dataplane

import "github.com/vitess-operator/vitess-operator/pkg/dataplane/position"

// The position types live in package position, which depends on nothing
// beyond the standard library, so that the simulators, short-lived
// processes started for every command, use them without paying for
// client-go's initialisation. Drivers and the engine name them here.
type (
	// Position is a member's replication position (position.Position).
	Position = position.Position
	// Sequence is a single-counter position (position.Sequence).
	Sequence = position.Sequence
	// GTIDSet is a MySQL GTID set (position.GTIDSet).
	GTIDSet = position.GTIDSet
	// MariaDBPosition is a MariaDB GTID position (position.MariaDBPosition).
	MariaDBPosition = position.MariaDBPosition
	// MariaDBGTID is one domain's last MariaDB GTID (position.MariaDBGTID).
	MariaDBGTID = position.MariaDBGTID
)

// ParsePosition reads a position as Vitess prints it (position.ParsePosition).
func ParsePosition(s string) (Position, error) { return position.ParsePosition(s) }

// ParseGTIDSet reads a MySQL GTID set (position.ParseGTIDSet).
func ParseGTIDSet(s string) (GTIDSet, error) { return position.ParseGTIDSet(s) }

// ParseMariaDBPosition reads a MariaDB GTID position (position.ParseMariaDBPosition).
func ParseMariaDBPosition(s string) (MariaDBPosition, error) { return position.ParseMariaDBPosition(s) }

// Unreplicated returns what a server committed that none of others holds
// (position.Unreplicated).
func Unreplicated(p Position, serverID string, others []Position) (GTIDSet, bool) {
	return position.Unreplicated(p, serverID, others)
}
