#!/usr/bin/env bash
# Fails when anything generated from the API types (code, CRDs, the API
# reference) is stale or missing: it regenerates into a copy of the tree and
# compares the two.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
tar -C "${REPO_ROOT}" --exclude=./_output --exclude=./.git -cf - . | tar -C "${tmp}" -xf -
CODEGEN_TOOLS_BIN="${OUTPUT_DIR}/tools" "${tmp}/hack/update-codegen.sh" >"${tmp}/codegen.log" 2>&1 || {
	cat "${tmp}/codegen.log" >&2
	die "hack/update-codegen.sh failed"
}
stale=0
for dir in pkg deploy/crds doc/user/api-reference.md; do
	if ! diff -ruN "${REPO_ROOT}/${dir}" "${tmp}/${dir}" >"${tmp}/diff.txt"; then
		head -40 "${tmp}/diff.txt" >&2
		stale=1
	fi
done
if ((stale)); then
	die "generated code is stale or missing; run hack/update-codegen.sh and commit the result"
fi
log "generated code is up to date"
