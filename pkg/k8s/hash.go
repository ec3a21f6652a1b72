package k8s

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
)

// Hash returns a short stable hash of v's JSON form, used as the revision of
// a template: equal templates give equal hashes across processes and restarts.
func Hash(v any) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("hashing: %w", err)
	}
	h := fnv.New64a()
	_, _ = h.Write(data)
	return fmt.Sprintf("%016x", h.Sum64())[:10], nil
}
