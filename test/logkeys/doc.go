// Package logkeys holds the operator's log lines to one set of structured
// keys (doc/design/operator.md, "Logging"): its test reads the source of
// cmd/ and pkg/ for every logrus field key and formatted log call.
package logkeys
