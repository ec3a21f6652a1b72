package main

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLogLinesAreMasked proves a secret quoted by an error the operator logs
// never reaches its log, in either format.
func TestLogLinesAreMasked(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			log, err := newLogger("info", format, &out)
			require.NoError(t, err)
			log.WithError(errors.New("seed hook printed --password=hunter2")).Warn("pass failed for app:hunter2@tcp(db)/x")
			assert.NotContains(t, out.String(), "hunter2")
			assert.Contains(t, out.String(), "[redacted]")
			assert.Contains(t, out.String(), "pass failed")
		})
	}
}
