package k8s

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
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

// LabelValue returns s if it is short enough for a label value (63
// characters), or else a shortened form that stays unique: its first 52
// characters, a dash and a hash of the whole.
func LabelValue(s string) string {
	const limit = 63
	if len(s) <= limit {
		return s
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return strings.TrimRight(s[:52], "-_.") + "-" + fmt.Sprintf("%016x", h.Sum64())[:10]
}
