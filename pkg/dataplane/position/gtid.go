package position

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// GTIDSet is a MySQL GTID set: for each source (server UUID, and tag where
// MySQL 8.4 tags transactions) the transaction numbers it holds, as sorted,
// disjoint, non-adjacent intervals. The zero value is the empty set.
type GTIDSet struct {
	sets map[gtidSource][]interval
}

// gtidSource is a server UUID, lower-cased, and an optional tag.
type gtidSource struct {
	uuid string
	tag  string
}

// interval is the transactions [start, end], both included.
type interval struct{ start, end uint64 }

var (
	uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	tagPattern  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,31}$`)
)

// ParseGTIDSet parses a GTID set as MySQL prints @@gtid_executed, with or
// without Vitess's "MySQL56/" flavor prefix: "uuid:1-5:7,uuid2:1-3", with
// any whitespace around the parts and MySQL 8.4 tags ("uuid:tag:1-3"). The
// error says which part could not be parsed.
func ParseGTIDSet(s string) (GTIDSet, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "MySQL56/")
	set := GTIDSet{sets: map[gtidSource][]interval{}}
	if s == "" {
		return set, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if err := set.parsePart(part); err != nil {
			return GTIDSet{}, err
		}
	}
	for src, ivs := range set.sets {
		set.sets[src] = normalize(ivs)
	}
	return set, nil
}

// parsePart parses one "uuid(:tag|:interval)+" element into set.
func (g GTIDSet) parsePart(part string) error {
	fields := strings.Split(part, ":")
	uuid := strings.TrimSpace(fields[0])
	if !uuidPattern.MatchString(uuid) {
		return fmt.Errorf("GTID set element %q: %q is not a server UUID", part, uuid)
	}
	if len(fields) < 2 {
		return fmt.Errorf("GTID set element %q: no transaction interval after the UUID", part)
	}
	src := gtidSource{uuid: strings.ToLower(uuid)}
	sawInterval := false
	for _, f := range fields[1:] {
		f = strings.TrimSpace(f)
		if tagPattern.MatchString(f) {
			src.tag = strings.ToLower(f)
			continue
		}
		iv, err := parseInterval(f)
		if err != nil {
			return fmt.Errorf("GTID set element %q: %w", part, err)
		}
		g.sets[src] = append(g.sets[src], iv)
		sawInterval = true
	}
	if !sawInterval {
		return fmt.Errorf("GTID set element %q: no transaction interval", part)
	}
	return nil
}

// parseInterval parses "N" or "N-M" with 1 <= N <= M.
func parseInterval(f string) (interval, error) {
	lo, hi, isRange := strings.Cut(f, "-")
	start, err := strconv.ParseUint(lo, 10, 64)
	if err != nil || start == 0 {
		return interval{}, fmt.Errorf("%q is not a transaction interval", f)
	}
	end := start
	if isRange {
		end, err = strconv.ParseUint(hi, 10, 64)
		if err != nil || end < start {
			return interval{}, fmt.Errorf("%q is not a transaction interval", f)
		}
	}
	return interval{start, end}, nil
}

// normalize sorts intervals and merges overlapping and adjacent ones.
func normalize(ivs []interval) []interval {
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].start < ivs[j].start })
	var out []interval
	for _, iv := range ivs {
		if n := len(out); n > 0 && (iv.start <= out[n-1].end || iv.start-1 == out[n-1].end) {
			out[n-1].end = max(out[n-1].end, iv.end)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Contains reports whether g holds every transaction of other (g ⊇ other).
func (g GTIDSet) Contains(other GTIDSet) bool {
	for src, theirs := range other.sets {
		ours := g.sets[src]
		for _, iv := range theirs {
			if !covered(ours, iv) {
				return false
			}
		}
	}
	return true
}

// covered reports whether one of the normalized intervals ivs holds all of iv.
func covered(ivs []interval, iv interval) bool {
	i := sort.Search(len(ivs), func(i int) bool { return ivs[i].end >= iv.start })
	return i < len(ivs) && ivs[i].start <= iv.start && ivs[i].end >= iv.end
}

// Equal reports whether g and other hold the same transactions.
func (g GTIDSet) Equal(other GTIDSet) bool { return g.Contains(other) && other.Contains(g) }

// Union returns the transactions of g and other together.
func (g GTIDSet) Union(other GTIDSet) GTIDSet {
	out := GTIDSet{sets: map[gtidSource][]interval{}}
	for _, s := range []GTIDSet{g, other} {
		for src, ivs := range s.sets {
			out.sets[src] = append(out.sets[src], ivs...)
		}
	}
	for src, ivs := range out.sets {
		out.sets[src] = normalize(ivs)
	}
	return out
}

// Count is the number of transactions in the set, saturating at the
// largest uint64.
func (g GTIDSet) Count() uint64 {
	var n uint64
	for _, ivs := range g.sets {
		for _, iv := range ivs {
			k := iv.end - iv.start + 1
			if k == 0 || n+k < n {
				return ^uint64(0)
			}
			n += k
		}
	}
	return n
}

// Compare orders GTID sets by containment: 1 when g holds strictly more
// than other, -1 when less, 0 when equal; ok is false when each holds a
// transaction the other lacks (the sets diverged) or other is not a GTIDSet.
func (g GTIDSet) Compare(other Position) (int, bool) {
	o, ok := other.(GTIDSet)
	if !ok {
		return 0, false
	}
	gc, oc := g.Contains(o), o.Contains(g)
	switch {
	case gc && oc:
		return 0, true
	case gc:
		return 1, true
	case oc:
		return -1, true
	}
	return 0, false
}

// String renders the set canonically, as MySQL does: sources sorted, tags
// after untagged intervals of the same UUID.
func (g GTIDSet) String() string {
	srcs := make([]gtidSource, 0, len(g.sets))
	for src, ivs := range g.sets {
		if len(ivs) > 0 {
			srcs = append(srcs, src)
		}
	}
	sort.Slice(srcs, func(i, j int) bool {
		if srcs[i].uuid != srcs[j].uuid {
			return srcs[i].uuid < srcs[j].uuid
		}
		return srcs[i].tag < srcs[j].tag
	})
	var b strings.Builder
	for i, src := range srcs {
		// A tagged source follows the other sources of its UUID in one
		// element; the untagged one, if any, sorts first.
		if i == 0 || srcs[i-1].uuid != src.uuid {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(src.uuid)
		}
		if src.tag != "" {
			b.WriteString(":" + src.tag)
		}
		for _, iv := range g.sets[src] {
			if iv.start == iv.end {
				fmt.Fprintf(&b, ":%d", iv.start)
			} else {
				fmt.Fprintf(&b, ":%d-%d", iv.start, iv.end)
			}
		}
	}
	return b.String()
}

// Minus returns the transactions of g that other lacks.
func (g GTIDSet) Minus(other GTIDSet) GTIDSet {
	out := GTIDSet{sets: map[gtidSource][]interval{}}
	for src, ivs := range g.sets {
		var left []interval
		for _, iv := range ivs {
			left = append(left, subtract(iv, other.sets[src])...)
		}
		if len(left) > 0 {
			out.sets[src] = left
		}
	}
	return out
}

// subtract returns the parts of iv that none of the normalized intervals
// ivs covers.
func subtract(iv interval, ivs []interval) []interval {
	var out []interval
	next := iv.start
	for _, o := range ivs {
		if o.end < next || o.start > iv.end {
			continue
		}
		if o.start > next {
			out = append(out, interval{next, o.start - 1})
		}
		if o.end >= iv.end {
			return out
		}
		next = o.end + 1
	}
	return append(out, interval{next, iv.end})
}

// ofServer returns the transactions of g the server with UUID uuid
// committed, every tag included.
func (g GTIDSet) ofServer(uuid string) GTIDSet { return g.filter(uuid, true) }

// WithoutServer returns the transactions of g that the server with UUID
// uuid did not commit.
func (g GTIDSet) WithoutServer(uuid string) GTIDSet { return g.filter(uuid, false) }

func (g GTIDSet) filter(uuid string, of bool) GTIDSet {
	uuid = strings.ToLower(uuid)
	out := GTIDSet{sets: map[gtidSource][]interval{}}
	for src, ivs := range g.sets {
		if (src.uuid == uuid) == of {
			out.sets[src] = ivs
		}
	}
	return out
}

// Unreplicated returns the transactions of p that the server serverID
// committed itself and that none of others holds: what a primary wrote that
// reached no other member. ok is false when that cannot be told: p or one
// of others is not a GTID set, or serverID is empty.
func Unreplicated(p Position, serverID string, others []Position) (GTIDSet, bool) {
	g, ok := p.(GTIDSet)
	if !ok || serverID == "" {
		return GTIDSet{}, false
	}
	held := GTIDSet{}
	for _, o := range others {
		og, ok := o.(GTIDSet)
		if !ok {
			return GTIDSet{}, false
		}
		held = held.Union(og)
	}
	return g.ofServer(serverID).Minus(held), true
}

// Empty reports whether the set holds no transaction.
func (g GTIDSet) Empty() bool {
	for _, ivs := range g.sets {
		if len(ivs) > 0 {
			return false
		}
	}
	return true
}
