#!/usr/bin/env bash
# Removes the local control plane, the simulation host and the simulated data.
# Built binaries in _output/bin stay, so the next local-up.sh is quick.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export KWOK_WORKDIR
if [[ -f "${OUTPUT_DIR}/simhost.pid" ]]; then
	kill "$(cut -d' ' -f1 "${OUTPUT_DIR}/simhost.pid")" 2>/dev/null || true
	rm -f "${OUTPUT_DIR}/simhost.pid" "${OUTPUT_DIR}/simhost.ready"
fi
if [[ -x "${BIN_DIR}/kwokctl" ]]; then
	"${BIN_DIR}/kwokctl" --name "${CLUSTER_NAME}" delete cluster --kubeconfig "${KUBECONFIG_PATH}" >/dev/null 2>&1 || true
fi
rm -rf "${KWOK_WORKDIR}" "${OUTPUT_DIR}/simdata" "${KUBECONFIG_PATH}" "${OUTPUT_DIR}/logs"
log "local cluster ${CLUSTER_NAME} removed"
