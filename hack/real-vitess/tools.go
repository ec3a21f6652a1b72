//go:build tools

// Package realvitess records the Vitess commands this module builds so that
// go mod tidy keeps their dependencies.
package realvitess

import (
	_ "vitess.io/vitess/go/cmd/mysqlctld"
	_ "vitess.io/vitess/go/cmd/vtctld"
	_ "vitess.io/vitess/go/cmd/vtctldclient"
	_ "vitess.io/vitess/go/cmd/vtgate"
	_ "vitess.io/vitess/go/cmd/vttablet"
)
