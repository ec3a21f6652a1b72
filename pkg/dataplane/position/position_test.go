package position

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParsePositionReadsBothFlavors(t *testing.T) {
	p, err := ParsePosition("MySQL56/3e11fa47-71ca-11e1-9e33-c80aa9429562:1-12")
	require.NoError(t, err)
	assert.IsType(t, GTIDSet{}, p)
	assert.Equal(t, "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-12", p.String())

	p, err = ParsePosition("MariaDB/0-101-12,1-102-3")
	require.NoError(t, err)
	assert.Equal(t, "0-101-12,1-102-3", p.String())

	empty, err := ParsePosition("MariaDB/")
	require.NoError(t, err)
	c, ok := p.Compare(empty)
	assert.True(t, ok)
	assert.Equal(t, 1, c)

	for _, bad := range []string{"", "uuid:1-5", "Postgres/1", "MariaDB/0-1", "MariaDB/0-x-1", "MariaDB/0-1-2,0-1-3"} {
		_, err := ParsePosition(bad)
		assert.Error(t, err, bad)
	}
}

func TestMariaDBPositionsCompareByDomain(t *testing.T) {
	pos := func(s string) MariaDBPosition {
		p, err := ParseMariaDBPosition(s)
		require.NoError(t, err)
		return p
	}
	for _, tc := range []struct {
		a, b string
		cmp  int
		ok   bool
	}{
		{"0-101-12", "0-101-12", 0, true},
		{"0-101-12", "0-101-9", 1, true},
		{"0-102-13", "0-101-12", 1, true}, // a failover: a new server continues the domain
		{"0-101-9", "0-101-12", -1, true},
		{"0-101-12,1-5-1", "0-101-12", 1, true},
		{"0-101-12", "0-102-12", 0, false}, // one number written by two servers
		{"0-101-12,1-5-1", "0-101-13", 0, false},
	} {
		c, ok := pos(tc.a).Compare(pos(tc.b))
		assert.Equal(t, tc.ok, ok, "%s vs %s", tc.a, tc.b)
		if tc.ok {
			assert.Equal(t, tc.cmp, c, "%s vs %s", tc.a, tc.b)
		}
	}
	_, ok := pos("0-1-1").Compare(GTIDSet{})
	assert.False(t, ok, "flavors do not compare")
}
