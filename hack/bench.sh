#!/usr/bin/env bash
# Runs the benchmark of test/bench on the local control plane (brought up
# if it is not) and passes its arguments on: `hack/bench.sh` is the full run
# of `make bench`, `hack/bench.sh --shards 16` the reduced one of `make test`.
# Results go to _output/bench (results.csv, bringup.svg); see
# doc/benchmarks.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

"${REPO_ROOT}/hack/local-up.sh"
"${REPO_ROOT}/hack/build-simulators.sh"
go build -o "${BIN_DIR}/bench" ./test/bench
"${BIN_DIR}/bench" "$@"
