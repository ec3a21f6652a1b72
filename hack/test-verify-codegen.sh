#!/usr/bin/env bash
# Checks that hack/verify-codegen.sh passes on this tree and fails on a copy
# of it from which one generated file was deleted.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"${REPO_ROOT}/hack/verify-codegen.sh"

tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT
tar -C "${REPO_ROOT}" --exclude=./_output --exclude=./.git -cf - . | tar -C "${tmp}" -xf -
mkdir -p "${tmp}/_output"
ln -s "${OUTPUT_DIR}/tools" "${tmp}/_output/tools"
rm "${tmp}/pkg/generated/listers/vitess/v1alpha1/vitessshard.go"
if "${tmp}/hack/verify-codegen.sh" >"${tmp}/verify.log" 2>&1; then
	cat "${tmp}/verify.log" >&2
	die "hack/verify-codegen.sh passed although a generated file was deleted"
fi
grep -q "stale or missing" "${tmp}/verify.log" || {
	cat "${tmp}/verify.log" >&2
	die "hack/verify-codegen.sh failed for another reason than the deleted file"
}
log "hack/verify-codegen.sh catches a deleted generated file"

# A stale API reference: a field's description as it was before an edit.
rm -rf "${tmp:?}"/*
tar -C "${REPO_ROOT}" --exclude=./_output --exclude=./.git -cf - . | tar -C "${tmp}" -xf -
mkdir -p "${tmp}/_output"
ln -s "${OUTPUT_DIR}/tools" "${tmp}/_output/tools"
sed -i 's/Paused stops every action of the operator/Paused stopped every action of the operator/' "${tmp}/doc/user/api-reference.md"
if "${tmp}/hack/verify-codegen.sh" >"${tmp}/verify.log" 2>&1; then
	cat "${tmp}/verify.log" >&2
	die "hack/verify-codegen.sh passed although the API reference was stale"
fi
grep -q "stale or missing" "${tmp}/verify.log" || {
	cat "${tmp}/verify.log" >&2
	die "hack/verify-codegen.sh failed for another reason than the stale API reference"
}
log "hack/verify-codegen.sh catches a stale API reference"
