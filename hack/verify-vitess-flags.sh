#!/usr/bin/env bash
# Checks the operator's Vitess command lines against the real binaries: it
# builds vttablet, vtgate, vtctld, mysqlctld and vtctldclient from the
# vitess.io/vitess module pinned in hack/vitess (once; cached under
# _output/vitess), renders the servers of every example cluster, runs every
# method of the Vitess driver against a recorder, and checks that each flag
# and vtctldclient command appears in the binaries' --help.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

VITESS_BIN="${OUTPUT_DIR}/vitess"
mod="${REPO_ROOT}/hack/vitess"
stamp=$(stamp_of "${mod}/go.mod" "${mod}/go.sum")
mkdir -p "${VITESS_BIN}"
build_vitess() {
	local name=$1
	(cd "${mod}" && go build -trimpath -ldflags '-s -w' -o "${VITESS_BIN}/${name}" "vitess.io/vitess/go/cmd/${name}")
}
for name in vtctldclient vttablet vtgate vtctld mysqlctld; do
	BIN_DIR="${VITESS_BIN}" build_cached "${name}" "${stamp}" build_vitess "${name}"
done
go run ./test/vitessflags --bin "${VITESS_BIN}" example/my-vitess.yaml test/e2e/testdata/*.yaml
