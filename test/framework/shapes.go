package framework

import (
	"fmt"

	"github.com/vitess-operator/vitess-operator/pkg/apis/vitess/v1alpha1"
)

// KeyRanges splits the key space into n contiguous ranges, n from 1 to 256.
func KeyRanges(n int) ([]v1alpha1.KeyRange, error) {
	if n < 1 || n > 256 {
		return nil, fmt.Errorf("a keyspace of %d shards: want 1 to 256", n)
	}
	bound := func(i int) string {
		if i == 0 || i == n {
			return ""
		}
		return fmt.Sprintf("%02x", i*256/n)
	}
	out := make([]v1alpha1.KeyRange, n)
	for i := range out {
		out[i] = v1alpha1.KeyRange{Start: bound(i), End: bound(i + 1)}
	}
	return out, nil
}
