// Package redact makes text the operator did not write itself (what a hook
// or vtctldclient printed, an error that quotes it) safe to put into an
// Event, a status condition or a log line: secret-looking values are
// replaced, control characters removed, and the length bounded.
package redact

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limit is how many bytes of command output Sanitize keeps: enough for an
// error message, short enough that a hook that prints a page (or a secret
// file) does not end up in a status condition.
const Limit = 512

// Mask replaces every value that looks like a secret.
const Mask = "[redacted]"

// secretWords are the names under which a value is taken for a secret.
const secretWords = `(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)`

// rules are the patterns of secret-looking values: the submatch named "v"
// is the value Mask replaces, the rest of a match stays. They are compiled
// once and never changed, so goroutines share them safely.
var rules = compileRules(
	// JSON or YAML: "password": "x", password: x
	`(?i)"[\w.-]*`+secretWords+`[\w.-]*"\s*:\s*"(?P<v>(?:[^"\\]|\\.)*)"`,
	// key=value and key: value, as flags, env or config print them.
	`(?i)[\w.-]*`+secretWords+`[\w.-]*\s*[=:]\s*(?P<v>"[^"]*"|'[^']*'|[^\s"',;&)]+)`,
	// --password value: only as a flag, or "the password is wrong"
	// would lose its "is".
	`(?i)(?:^|\s)--?[\w.-]*`+secretWords+`[\w.-]*\s+(?P<v>[^\s-]\S*)`,
	// HTTP authorization, whatever its scheme.
	`(?i)(?:authorization|proxy-authorization)\s*[:=]\s*(?P<v>(?:\w+\s+)?[^\s,;]+)`,
	`(?i)\bbearer\s+(?P<v>[A-Za-z0-9._~+/=-]+)`,
	// mysql -psecret: the password glued to -p.
	`(?:^|\s)-p(?P<v>[^\s-][^\s]*)`,
	// user:password@ in a URL or a Go MySQL DSN.
	`[\w.%+-]+:(?P<v>[^\s@/:]+)@`,
)

// compileRules compiles the patterns of rules.
func compileRules(pats ...string) []*regexp.Regexp {
	out := make([]*regexp.Regexp, 0, len(pats))
	for _, p := range pats {
		out = append(out, regexp.MustCompile(p))
	}
	return out
}

// ansi matches terminal escape sequences, which a hook run with a pseudo
// terminal might print; they would garble kubectl's output.
var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]`)

// Redactor sanitizes text; it also masks values it was told are secret,
// such as the values of a Secret the operator made. The zero value masks
// only secret-looking values.
type Redactor struct {
	known []string
}

// New returns a redactor that also masks each of known (empty values are
// ignored: they would match everywhere).
func New(known ...string) *Redactor {
	r := &Redactor{}
	for _, k := range known {
		if k != "" {
			r.known = append(r.known, k)
		}
	}
	return r
}

// Sanitize masks secrets, removes control characters and bounds s to Limit
// bytes, with a marker saying how much was cut.
func Sanitize(s string) string { return New().Bound(s, Limit) }

// Mask masks secret-looking and known values and changes nothing else, so
// that a formatted log line keeps its layout.
func (r *Redactor) Mask(s string) string {
	for _, k := range r.known {
		s = strings.ReplaceAll(s, k, Mask)
	}
	for _, re := range rules {
		s = maskValues(re, s)
	}
	return s
}

// Redact masks secret-looking and known values and turns control
// characters into spaces, all on one line, without bounding the length.
func (r *Redactor) Redact(s string) string {
	s = r.Mask(strings.ToValidUTF8(s, "\uFFFD"))
	s = ansi.ReplaceAllString(s, "")
	s = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
			return ' '
		}
		return c
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// Bound redacts s and keeps at most limit bytes of it, never splitting a
// character, with a marker of how many bytes were cut.
func (r *Redactor) Bound(s string, limit int) string {
	s = r.Redact(s)
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf("… [%d bytes cut]", len(s)-cut)
}

// maskValues replaces the "v" submatch of every match of re in s with Mask.
func maskValues(re *regexp.Regexp, s string) string {
	v := re.SubexpIndex("v")
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		start, end := m[2*v], m[2*v+1]
		if start < 0 || s[start:end] == Mask {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Mask)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}
