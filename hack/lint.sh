#!/usr/bin/env bash
# Lints the project: gofmt, go vet, and staticcheck with the checks in
# staticcheck.conf. staticcheck is pinned in hack/tools/go.mod and built into
# _output/tools. Generated code (pkg/generated) is regenerated, never edited,
# so it is formatted and vetted but not held to staticcheck's advice.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

out=$(gofmt -l $(git ls-files '*.go' | grep -v '^pkg/generated/'))
if [[ -n "${out}" ]]; then
	die "gofmt wants to change: ${out}"
fi
go vet ./...

tools="${OUTPUT_DIR}/tools"
(cd hack/tools && go build -o "${tools}/staticcheck" honnef.co/go/tools/cmd/staticcheck)
"${tools}/staticcheck" $(go list ./... | grep -v '/pkg/generated/')
