#!/usr/bin/env bash
# Checks the operator's Vitess command lines against the real binaries of
# the pinned Vitess release: hack/real-vitess.sh builds vttablet, vtgate,
# vtctld, mysqlctld and vtctldclient from vitess.io/vitess pinned in
# hack/real-vitess (with its test-only MariaDB patch, which changes no flag;
# cached under _output/real-vitess), then this renders the servers of every
# example cluster, runs every method of the Vitess driver against a
# recorder, and checks that each flag and vtctldclient command appears in
# the binaries' --help.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

"${REPO_ROOT}/hack/real-vitess.sh" >/dev/null
# Only the manifests of whole clusters: test data also holds lone cells,
# keyspaces and shards, which carry no flags of their own.
mapfile -t clusters < <(grep -l '^kind: VitessCluster$' example/*.yaml test/e2e/testdata/*.yaml)
go run ./test/vitessflags --bin "${OUTPUT_DIR}/real-vitess/bin" "${clusters[@]}"
