package framework

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestKeyRanges proves the split covers the key space with no gap or
// overlap.
func TestKeyRanges(t *testing.T) {
	for _, n := range []int{1, 2, 4, 16, 64, 256} {
		rs, err := KeyRanges(n)
		require.NoError(t, err)
		require.Len(t, rs, n)
		assert.Equal(t, "", rs[0].Start, "n=%d", n)
		assert.Equal(t, "", rs[n-1].End, "n=%d", n)
		for i := 1; i < n; i++ {
			assert.Equal(t, rs[i-1].End, rs[i].Start, "n=%d i=%d", n, i)
			assert.Less(t, rs[i-1].Start, rs[i].Start)
		}
	}
	assert.Equal(t, []v1alpha1.KeyRange{{Start: "", End: "80"}, {Start: "80", End: ""}}, must(KeyRanges(2)))
	_, err := KeyRanges(257)
	assert.Error(t, err)
}
