#!/usr/bin/env bash
# Runs govulncheck ./... and fails on any vulnerability the code reaches.
#
# The vulnerability database is the snapshot pinned in hack/tools/vuln
# (golang.org/x/vulndb, fetched through the Go module proxy, whose module
# ships every report as OSV JSON), indexed into _output/vulndb with the
# vulndb's own indexdb, so the scan works without vuln.go.dev. GOVULNDB
# overrides it (a URL, or file:// of a database directory). When neither
# can be had, the scan is skipped with the reason, not failed: it says
# nothing about the code then.
#
# The standard library scanned is the one of the toolchain go.mod names,
# which `go build` uses wherever GOTOOLCHAIN is not forced to local; a
# local go older than that is said so.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

tools="${OUTPUT_DIR}/tools"
skip() { log "govulncheck skipped: $*"; exit 0; }

if ! (cd hack/tools/vuln && go build -o "${tools}/govulncheck" golang.org/x/vuln/cmd/govulncheck) 2>/dev/null; then
	skip "cannot build govulncheck from hack/tools/vuln (is the Go module proxy reachable?)"
fi

db="${GOVULNDB:-}"
case "${db}" in
file://*) [[ -f "${db#file://}/index/db.json" ]] || skip "GOVULNDB=${db} holds no database (no index/db.json)" ;;
http*) curl -fsS -o /dev/null --max-time 20 "${db}/index/db.json" 2>/dev/null || skip "GOVULNDB=${db} cannot be reached" ;;
esac
if [[ -z "${db}" ]]; then
	src=$(cd hack/tools/vuln && go mod download -json golang.org/x/vulndb 2>/dev/null | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p') ||
		true
	[[ -n "${src}" && -d "${src}/data/osv" ]] || skip "cannot download golang.org/x/vulndb through the Go module proxy"
	version=$(basename "${src}")
	out="${OUTPUT_DIR}/vulndb/${version#*@}"
	if [[ ! -f "${out}/index/db.json" ]]; then
		(cd hack/tools/vuln && go build -o "${tools}/indexdb" golang.org/x/vulndb/cmd/indexdb)
		rm -rf "${out}.tmp"
		"${tools}/indexdb" -vulns "${src}/data/osv" -out "${out}.tmp"
		mv "${out}.tmp" "${out}"
	fi
	db="file://${out}"
	log "vulnerability database: ${version} ($(ls "${src}/data/osv" | wc -l) reports)"
fi

want=$(go mod edit -json | sed -n 's/^\t"Toolchain": "\(.*\)",\{0,1\}$/\1/p')
have=$(go env GOVERSION)
older=$(printf '%s\n%s\n' "${want#go}" "${have#go}" | sort -V | head -1)
if [[ -n "${want}" && "${want}" != "${have}" && "${older}" == "${have#go}" ]]; then
	log "scanning with ${want}, the toolchain go.mod names; the local ${have} is older, and builds made with it" \
		"(GOTOOLCHAIN=local) carry the standard library's vulnerabilities fixed since"
	export GOTOOLCHAIN="${want}"
fi
"${tools}/govulncheck" -db "${db}" ./...
