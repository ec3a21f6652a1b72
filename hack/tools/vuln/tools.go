// Package vuln only pins, in go.mod, govulncheck and the snapshot of the Go
// vulnerability database (golang.org/x/vulndb, whose module ships every
// report as OSV JSON) that hack/verify-vulns.sh scans with, so the scan
// needs only the Go module proxy, not vuln.go.dev.
package vuln
