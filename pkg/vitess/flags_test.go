package vitess

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFlagArgs proves flags render sorted, one each, with later maps
// overriding earlier ones, so the user's flags win and the pod template is
// the same every time.
func TestFlagArgs(t *testing.T) {
	for _, tc := range []struct {
		name string
		maps []map[string]string
		want []string
	}{
		{"none", nil, []string{}},
		{"sorted", []map[string]string{{"b": "2", "a": "1"}}, []string{"--a=1", "--b=2"}},
		{"later wins", []map[string]string{{"a": "1", "c": "3"}, nil, {"a": "9"}}, []string{"--a=9", "--c=3"}},
		{"empty value", []map[string]string{{"x": ""}}, []string{"--x="}},
	} {
		assert.Equal(t, tc.want, flagArgs(tc.maps...), tc.name)
	}
}
