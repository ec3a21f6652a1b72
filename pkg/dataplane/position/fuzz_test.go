package position

import (
	"strings"
	"testing"
)

// FuzzVitessPosition holds the positions Vitess prints (MySQL56 and
// MariaDB) to a round trip and to Compare agreeing with itself.
func FuzzVitessPosition(f *testing.F) {
	for _, seed := range []string{
		"MySQL56/" + u1 + ":1-5", "MariaDB/0-101-12,1-102-3", "MariaDB/", "MariaDB/0-1-2,0-1-3",
		"MariaDB/4294967296-1-1", "Other/1", "no flavor", "MySQL56/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePosition(s)
		if err != nil {
			return
		}
		flavor, _, _ := strings.Cut(strings.TrimSpace(s), "/")
		again, err := ParsePosition(flavor + "/" + p.String())
		if err != nil {
			t.Fatalf("%q, rendered from %q, does not parse: %v", p.String(), s, err)
		}
		if c, ok := p.Compare(again); !ok || c != 0 {
			t.Fatalf("%q does not round-trip: compares %d,%v with itself rendered", s, c, ok)
		}
	})
}
