package position

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Position is a member's replication position. Positions of members of one
// set compare; ok is false when neither contains the other, as two GTID sets
// that diverged.
type Position interface {
	Compare(other Position) (cmp int, ok bool)
	String() string
}

// Sequence is a position that is a single counter, as the RSS sequence hook prints.
type Sequence uint64

// Compare orders two sequences; a position of another kind does not compare.
func (s Sequence) Compare(other Position) (int, bool) {
	o, ok := other.(Sequence)
	if !ok {
		return 0, false
	}
	switch {
	case s < o:
		return -1, true
	case s > o:
		return 1, true
	}
	return 0, true
}

// String renders the sequence in decimal.
func (s Sequence) String() string { return strconv.FormatUint(uint64(s), 10) }

// ParsePosition reads a replication position as Vitess prints it,
// "<flavor>/<set>": MySQL56 GTID sets ("MySQL56/uuid:1-5,uuid2:3") and
// MariaDB GTID positions ("MariaDB/0-101-12,1-102-3"). Vitess reads the
// flavor from the server, so a shard's positions all share one.
func ParsePosition(s string) (Position, error) {
	flavor, set, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return nil, fmt.Errorf("position %q has no flavor prefix (MySQL56/ or MariaDB/)", s)
	}
	switch flavor {
	case "MySQL56":
		return ParseGTIDSet(set)
	case "MariaDB":
		return ParseMariaDBPosition(set)
	}
	return nil, fmt.Errorf("position %q: flavor %q is neither MySQL56 nor MariaDB", s, flavor)
}

// MariaDBPosition is a MariaDB GTID position: for each replication domain,
// the last transaction applied, as server ID and sequence number. Within a
// domain sequence numbers only grow, whichever server wrote them.
type MariaDBPosition map[uint32]MariaDBGTID

// MariaDBGTID is one MariaDB GTID, domain-server-sequence.
type MariaDBGTID struct {
	Domain, Server uint32
	Sequence       uint64
}

// ParseMariaDBPosition parses "0-101-12,1-102-3", MariaDB's
// gtid_binlog_pos and Gtid_Slave_Pos format; empty is the empty position.
func ParseMariaDBPosition(s string) (MariaDBPosition, error) {
	p := MariaDBPosition{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.Split(part, "-")
		if len(f) != 3 {
			return nil, fmt.Errorf("MariaDB GTID %q is not domain-server-sequence", part)
		}
		d, err1 := strconv.ParseUint(f[0], 10, 32)
		srv, err2 := strconv.ParseUint(f[1], 10, 32)
		seq, err3 := strconv.ParseUint(f[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("MariaDB GTID %q: domain, server and sequence must be unsigned numbers", part)
		}
		if _, dup := p[uint32(d)]; dup {
			return nil, fmt.Errorf("MariaDB position %q names domain %d twice", s, d)
		}
		p[uint32(d)] = MariaDBGTID{Domain: uint32(d), Server: uint32(srv), Sequence: seq}
	}
	return p, nil
}

// Compare orders positions domain by domain: p is ahead when it is at or
// past other in every domain and past it in one. ok is false when each is
// ahead in some domain, when one transaction number was written by two
// servers (the histories diverged), or other is not a MariaDB position.
func (p MariaDBPosition) Compare(other Position) (int, bool) {
	o, ok := other.(MariaDBPosition)
	if !ok {
		return 0, false
	}
	ahead, behind := false, false
	for d := range union(p, o) {
		a, b := p[d], o[d]
		switch {
		case a.Sequence > b.Sequence:
			ahead = true
		case a.Sequence < b.Sequence:
			behind = true
		case a.Server != b.Server:
			return 0, false
		}
	}
	switch {
	case ahead && behind:
		return 0, false
	case ahead:
		return 1, true
	case behind:
		return -1, true
	}
	return 0, true
}

func union(a, b MariaDBPosition) map[uint32]bool {
	out := map[uint32]bool{}
	for d := range a {
		out[d] = true
	}
	for d := range b {
		out[d] = true
	}
	return out
}

// String renders the position as MariaDB does, domains in order.
func (p MariaDBPosition) String() string {
	domains := make([]uint32, 0, len(p))
	for d := range p {
		domains = append(domains, d)
	}
	sort.Slice(domains, func(i, j int) bool { return domains[i] < domains[j] })
	parts := make([]string, 0, len(p))
	for _, d := range domains {
		g := p[d]
		parts = append(parts, fmt.Sprintf("%d-%d-%d", g.Domain, g.Server, g.Sequence))
	}
	return strings.Join(parts, ",")
}
