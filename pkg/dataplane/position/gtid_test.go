package position

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	u1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562"
	u2 = "8e8f7b52-4b2a-11ee-a0d1-0242ac120002"
)

func mustGTID(t *testing.T, s string) GTIDSet {
	t.Helper()
	g, err := ParseGTIDSet(s)
	require.NoError(t, err, s)
	return g
}

// TestParseGTIDSet checks the forms MySQL and Vitess print, and that the
// canonical form merges and sorts.
func TestParseGTIDSet(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"  \n", ""},
		{u1 + ":1-5", u1 + ":1-5"},
		{"MySQL56/" + u1 + ":1-5", u1 + ":1-5"},
		{"3E11FA47-71CA-11E1-9E33-C80AA9429562:7", u1 + ":7"},
		{u1 + ":1-3:4-6:9", u1 + ":1-6:9"},
		{u1 + ":5-9:1-3", u1 + ":1-3:5-9"},
		{u1 + ":1-5:3-8", u1 + ":1-8"},
		{u2 + ":1-2,\n" + u1 + ":1-5", u1 + ":1-5," + u2 + ":1-2"},
		{u1 + ":1-5:tag_a:1-2", u1 + ":1-5:tag_a:1-2"},
		{u1 + ":1-2," + u1 + ":3-4", u1 + ":1-4"},
	} {
		g, err := ParseGTIDSet(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, g.String(), tc.in)
	}
}

// TestParseGTIDSetErrorsSayWhat checks that every malformed set is refused
// with the part that could not be parsed.
func TestParseGTIDSetErrorsSayWhat(t *testing.T) {
	for _, tc := range []struct{ in, says string }{
		{"not-a-uuid:1-5", `"not-a-uuid" is not a server UUID`},
		{u1, "no transaction interval after the UUID"},
		{u1 + ":0", `"0" is not a transaction interval`},
		{u1 + ":5-3", `"5-3" is not a transaction interval`},
		{u1 + ":1-x", `"1-x" is not a transaction interval`},
		{u1 + ":tag", "no transaction interval"},
		{u1 + ":-3", `"-3" is not a transaction interval`},
		{u1 + ":1-5,garbage", `"garbage" is not a server UUID`},
	} {
		_, err := ParseGTIDSet(tc.in)
		require.Error(t, err, tc.in)
		assert.Contains(t, err.Error(), tc.says, tc.in)
	}
}

// TestGTIDSetContainsAndCompare checks ⊇ and the order failover uses.
func TestGTIDSetContainsAndCompare(t *testing.T) {
	a := mustGTID(t, u1+":1-10")
	b := mustGTID(t, u1+":1-7")
	c := mustGTID(t, u1+":1-7,"+u2+":1")
	d := mustGTID(t, u1+":1-3:5-10")

	assert.True(t, a.Contains(b))
	assert.False(t, b.Contains(a))
	assert.True(t, a.Contains(GTIDSet{}), "every set holds the empty set")
	assert.True(t, a.Contains(d))
	assert.False(t, d.Contains(a), "a gap is a missing transaction")

	cmp, ok := a.Compare(b)
	assert.Equal(t, 1, cmp)
	assert.True(t, ok)
	cmp, ok = b.Compare(a)
	assert.Equal(t, -1, cmp)
	assert.True(t, ok)
	cmp, ok = a.Compare(mustGTID(t, u1+":1-5:6-10"))
	assert.Equal(t, 0, cmp)
	assert.True(t, ok)
	_, ok = a.Compare(c)
	assert.False(t, ok, "each holds a transaction the other lacks: diverged")
	_, ok = a.Compare(Sequence(3))
	assert.False(t, ok)
}

// TestGTIDSetUnionAndCount checks union and counting.
func TestGTIDSetUnionAndCount(t *testing.T) {
	a := mustGTID(t, u1+":1-5")
	b := mustGTID(t, u1+":4-9,"+u2+":1-2")
	u := a.Union(b)
	assert.Equal(t, u1+":1-9,"+u2+":1-2", u.String())
	assert.True(t, u.Contains(a) && u.Contains(b))
	assert.Equal(t, uint64(11), u.Count())
	assert.True(t, a.Union(GTIDSet{}).Equal(a))
	assert.Equal(t, "", GTIDSet{}.String())
	assert.Equal(t, uint64(0), GTIDSet{}.Count())
}

// TestUnreplicated proves what a primary committed that no other member
// holds is found: only its own transactions, less what others hold, and
// nothing when the positions are not GTID sets or its server is unknown.
func TestUnreplicated(t *testing.T) {
	for _, tc := range []struct {
		name, p, server string
		others          []string
		want            string
	}{
		{"replicated everywhere", u1 + ":1-10", u1, []string{u1 + ":1-10"}, ""},
		{"the last two reached nobody", u1 + ":1-10," + u2 + ":1-3", u1, []string{u1 + ":1-8," + u2 + ":1-5"}, u1 + ":9-10"},
		{"held by one of two others", u1 + ":1-10", u1, []string{u1 + ":1-4", u1 + ":1-10"}, ""},
		{"a gap in the middle", u1 + ":1-10", u1, []string{u1 + ":1-3:6-10"}, u1 + ":4-5"},
		{"another server's transactions never count", u2 + ":1-9", u1, []string{u2 + ":1-2"}, ""},
		{"no other member", u1 + ":1-3", u1, nil, u1 + ":1-3"},
		{"case of the server id", u1 + ":1-3", strings.ToUpper(u1), []string{u1 + ":1-2"}, u1 + ":3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var others []Position
			for _, o := range tc.others {
				others = append(others, mustGTID(t, o))
			}
			got, ok := Unreplicated(mustGTID(t, tc.p), tc.server, others)
			require.True(t, ok)
			assert.Equal(t, tc.want, got.String())
			assert.Equal(t, tc.want == "", got.Empty())
		})
	}
	_, ok := Unreplicated(mustGTID(t, u1+":1"), "", nil)
	assert.False(t, ok, "no server id")
	_, ok = Unreplicated(Sequence(3), u1, nil)
	assert.False(t, ok, "not a GTID set")
	_, ok = Unreplicated(mustGTID(t, u1+":1"), u1, []Position{Sequence(3)})
	assert.False(t, ok, "another member's position is not a GTID set")
}

// FuzzParseGTIDSet checks that parsing never panics, that what parses
// prints in a form that parses to an equal set, and that a set holds
// itself and its union with anything.
func FuzzParseGTIDSet(f *testing.F) {
	for _, s := range []string{"", u1 + ":1-5", u1 + ":1-5:7," + u2 + ":3", "MySQL56/" + u1 + ":1", u1 + ":1:tag:2-4", u1 + ":18446744073709551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGTIDSet(s)
		if err != nil {
			return
		}
		again, err := ParseGTIDSet(g.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", g.String(), s, err)
		}
		if !again.Equal(g) || again.String() != g.String() {
			t.Fatalf("round trip of %q changed the set: %q vs %q", s, g.String(), again.String())
		}
		if !g.Contains(g) {
			t.Fatalf("%q does not hold itself", s)
		}
		u := g.Union(again)
		if !u.Equal(g) {
			t.Fatalf("union of %q with itself changed it", s)
		}
	})
}

// FuzzGTIDSetCompare checks that containment is consistent with Compare and
// with Union for any two sets that parse.
func FuzzGTIDSetCompare(f *testing.F) {
	f.Add(u1+":1-5", u1+":1-3")
	f.Add(u1+":1-5", u2+":1")
	f.Add("", u1+":2")
	f.Fuzz(func(t *testing.T, x, y string) {
		a, errA := ParseGTIDSet(x)
		b, errB := ParseGTIDSet(y)
		if errA != nil || errB != nil {
			return
		}
		cmp, ok := a.Compare(b)
		switch {
		case a.Contains(b) && b.Contains(a):
			if !ok || cmp != 0 {
				t.Fatalf("equal sets %q %q compare %d %v", x, y, cmp, ok)
			}
		case a.Contains(b):
			if !ok || cmp != 1 {
				t.Fatalf("%q ⊋ %q compares %d %v", x, y, cmp, ok)
			}
		case b.Contains(a):
			if !ok || cmp != -1 {
				t.Fatalf("%q ⊊ %q compares %d %v", x, y, cmp, ok)
			}
		default:
			if ok {
				t.Fatalf("diverged %q %q compare as %d", x, y, cmp)
			}
		}
		u := a.Union(b)
		if !u.Contains(a) || !u.Contains(b) {
			t.Fatalf("union of %q and %q does not hold both", x, y)
		}
	})
}
