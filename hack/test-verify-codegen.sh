#!/usr/bin/env bash
# Checks that hack/verify-codegen.sh passes on this tree, and fails on a copy
# of it from which one generated file was deleted, and on one whose API
# reference is stale.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"${REPO_ROOT}/hack/verify-codegen.sh"

tmp=$(mktemp -d)
trap 'rm -rf "${tmp}"' EXIT

# expect_stale copies the tree, lets "$2" break it and checks that
# hack/verify-codegen.sh fails because of it; $1 says what was broken.
expect_stale() {
	local what=$1 breaker=$2
	rm -rf "${tmp:?}"/* "${tmp:?}"/.[!.]* 2>/dev/null || true
	tar -C "${REPO_ROOT}" --exclude=./_output --exclude=./.git -cf - . | tar -C "${tmp}" -xf -
	mkdir -p "${tmp}/_output"
	ln -s "${OUTPUT_DIR}/tools" "${tmp}/_output/tools"
	"${breaker}"
	if "${tmp}/hack/verify-codegen.sh" >"${tmp}/verify.log" 2>&1; then
		cat "${tmp}/verify.log" >&2
		die "hack/verify-codegen.sh passed although ${what}"
	fi
	grep -q "stale or missing" "${tmp}/verify.log" || {
		cat "${tmp}/verify.log" >&2
		die "hack/verify-codegen.sh failed for another reason than that ${what}"
	}
	log "hack/verify-codegen.sh catches that ${what}"
}

delete_lister() { rm "${tmp}/pkg/generated/listers/vitess/v1alpha1/vitessshard.go"; }
# A field's description as it was before an edit.
stale_reference() {
	sed -i 's/Paused stops every action of the operator/Paused stopped every action of the operator/' "${tmp}/doc/user/api-reference.md"
}

expect_stale "a generated file was deleted" delete_lister
expect_stale "the API reference was stale" stale_reference
