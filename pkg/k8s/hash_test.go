package k8s

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHash(t *testing.T) {
	type tmpl struct {
		Image string
		Args  []string
	}
	a, err := Hash(tmpl{Image: "app:1", Args: []string{"x"}})
	require.NoError(t, err)
	assert.Len(t, a, 10)

	for _, tc := range []struct {
		name  string
		v     any
		equal bool
	}{
		{name: "an equal value", v: tmpl{Image: "app:1", Args: []string{"x"}}, equal: true},
		{name: "a pointer to an equal value", v: &tmpl{Image: "app:1", Args: []string{"x"}}, equal: true},
		{name: "another image", v: tmpl{Image: "app:2", Args: []string{"x"}}},
		{name: "other args", v: tmpl{Image: "app:1", Args: []string{"y"}}},
		{name: "no args", v: tmpl{Image: "app:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Hash(tc.v)
			require.NoError(t, err)
			if tc.equal {
				assert.Equal(t, a, b)
			} else {
				assert.NotEqual(t, a, b)
			}
		})
	}
}

func TestHashIsStable(t *testing.T) {
	// The hash is stored on objects as a revision: it must not change
	// between processes or releases for the same input. The want is the
	// first ten hex digits of FNV-64a over {"a":1,"b":2}: JSON sorts map keys.
	h, err := Hash(map[string]int{"b": 2, "a": 1})
	require.NoError(t, err)
	assert.Equal(t, "a0ebc03bdc", h)
}

func TestHashError(t *testing.T) {
	_, err := Hash(make(chan int))
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "hashing: "), err.Error())
}

func TestLabelValue(t *testing.T) {
	long := strings.Repeat("a", 70)
	for _, tc := range []struct {
		name string
		in   string
		same bool
	}{
		{name: "empty", in: "", same: true},
		{name: "short", in: "db", same: true},
		{name: "63 characters", in: strings.Repeat("x", 63), same: true},
		{name: "64 characters", in: strings.Repeat("x", 64)},
		{name: "long", in: long},
		{name: "cut at a dash", in: strings.Repeat("a", 51) + "-" + strings.Repeat("b", 20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := LabelValue(tc.in)
			if tc.same {
				assert.Equal(t, tc.in, got)
				return
			}
			assert.LessOrEqual(t, len(got), 63)
			assert.Equal(t, got, LabelValue(tc.in), "deterministic")
			prefix := strings.TrimRight(tc.in[:52], "-_.")
			assert.True(t, strings.HasPrefix(got, prefix+"-"), got)
			assert.Len(t, got, len(prefix)+1+10)
		})
	}
	assert.NotEqual(t, LabelValue(long), LabelValue(long+"b"), "long values that share a prefix stay apart")
}
