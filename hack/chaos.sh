#!/usr/bin/env bash
# Runs the chaos test of test/chaos on the local control plane (brought up
# if it is not): CHAOS_DURATION of disruptions (default 15m), then the
# counts; the last line is `violations: N, lost writes: M, ...`. Arguments
# are passed on (--seed to replay a run). See doc/design/safety.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

"${REPO_ROOT}/hack/local-up.sh"
"${REPO_ROOT}/hack/build-simulators.sh"
go build -o "${BIN_DIR}/chaos" ./test/chaos
"${BIN_DIR}/chaos" "$@"
