package redact

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/record"
)

func TestRedactMasksSecretLookingValues(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain message stays", "tablet zone1-100 is not serving", "tablet zone1-100 is not serving"},
		{"key=value", "connecting with password=hunter2 failed", "connecting with password=[redacted] failed"},
		{"flag=value", "mysql --password=hunter2 --user=vt_dba", "mysql --password=[redacted] --user=vt_dba"},
		{"flag value", "mysql --password hunter2 --user vt_dba", "mysql --password [redacted] --user vt_dba"},
		{"prose is kept", "the password is wrong", "the password is wrong"},
		{"mysql -p glued", "mysql -uroot -phunter2 -h db", "mysql -uroot -p[redacted] -h db"},
		{"env style", "DB_PASSWORD=hunter2 MYSQL_PWD: hunter3", "DB_PASSWORD=[redacted] MYSQL_PWD: [redacted]"},
		{"token", "token=abc.def api_key: k123 access-key=AKIA1", "token=[redacted] api_key: [redacted] access-key=[redacted]"},
		{"quoted value", `secret="a b c" next`, `secret=[redacted] next`},
		{"json field", `{"Password": "hun\"ter2", "UserData": "app"}`, `{"Password": "[redacted]", "UserData": "app"}`},
		{"authorization", "Authorization: Bearer eyJhbGciOi.x.y", "Authorization: [redacted]"},
		{"bare bearer", "sent bearer eyJhbGciOi.x.y upstream", "sent bearer [redacted] upstream"},
		{"url credentials", "dial mysql://app:hunter2@db:3306/x", "dial mysql://app:[redacted]@db:3306/x"},
		{"go dsn", "open app:hunter2@tcp(db:3306)/x", "open app:[redacted]@tcp(db:3306)/x"},
		{"mysql access denied stays readable", "Access denied for user 'vt_app'@'localhost' (using password: YES)",
			"Access denied for user 'vt_app'@'localhost' (using password: [redacted])"},
		{"vtctld flags stay", "--new-primary=zone1-101 --wait-replicas-timeout=15s", "--new-primary=zone1-101 --wait-replicas-timeout=15s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, New().Redact(tc.in))
		})
	}
}

func TestRedactMasksKnownValues(t *testing.T) {
	r := New("s3cr3t-Value", "")
	assert.Equal(t, "users file says [redacted] in it", r.Redact("users file says s3cr3t-Value in it"))
	assert.Equal(t, "nothing to hide", r.Redact("nothing to hide"), "an empty known value masks nothing")
}

func TestRedactRemovesControlCharacters(t *testing.T) {
	in := "line one\r\nline\ttwo\x00\x07 \x1b[31mred\x1b[0m\u2028end\xff"
	assert.Equal(t, "line one line two red end\uFFFD", New().Redact(in))
}

func TestSanitizeBoundsLength(t *testing.T) {
	long := strings.Repeat("é", Limit) // two bytes each
	got := Sanitize(long)
	assert.True(t, strings.HasPrefix(got, strings.Repeat("é", Limit/2)), "keeps whole characters up to the limit")
	assert.Contains(t, got, "… [512 bytes cut]")
	assert.LessOrEqual(t, len(got), Limit+len("… [99999 bytes cut]"))
	assert.Equal(t, "short", Sanitize("short"))
}

func TestSanitizeRedactsBeforeCutting(t *testing.T) {
	// A secret that straddles the limit must not survive half-cut.
	in := strings.Repeat("x", Limit-12) + " password=abcdefghijklmnop"
	got := Sanitize(in)
	assert.NotContains(t, got, "abcdef")
}

func TestRecorderSanitizesEveryMessage(t *testing.T) {
	fake := record.NewFakeRecorder(3)
	rec := Recorder(fake, New("known-v4lue"))
	rec.Event(nil, corev1.EventTypeWarning, "SeedFailed", "seed hook printed password=hunter2\nand known-v4lue")
	rec.Eventf(nil, corev1.EventTypeWarning, "StopFailed", "stop failed: %s", strings.Repeat("x", 2*EventLimit))
	rec.AnnotatedEventf(nil, nil, corev1.EventTypeNormal, "Note", "token=%s", "abc")
	assert.Equal(t, "Warning SeedFailed seed hook printed password=[redacted] and [redacted]", <-fake.Events)
	long := <-fake.Events
	assert.Contains(t, long, "bytes cut]")
	assert.Less(t, len(long), EventLimit+64)
	assert.Equal(t, "Normal Note token=[redacted]", <-fake.Events)
}
