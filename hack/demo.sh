#!/usr/bin/env bash
# make demo: brings up the local control plane, installs the CRDs, runs the
# operator built from this tree against namespace "demo", applies the
# examples and prints their status with the commands users run.
# `hack/demo.sh --down` stops the demo operator.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

NAMESPACE="${DEMO_NAMESPACE:-demo}"
PID_FILE="${OUTPUT_DIR}/demo-operator.pid"
LOG_FILE="${OUTPUT_DIR}/logs/demo-operator.log"
export KUBECONFIG="${KUBECONFIG_PATH}"

stop_operator() {
	if [[ -f "${PID_FILE}" ]]; then
		kill "$(cat "${PID_FILE}")" 2>/dev/null || true
		rm -f "${PID_FILE}"
	fi
}

if [[ "${1:-}" == "--down" ]]; then
	stop_operator
	log "demo operator stopped"
	exit 0
fi

"${REPO_ROOT}/hack/local-up.sh"
log "building the operator"
go build -o "${BIN_DIR}/vitess-operator" ./cmd/vitess-operator

log "installing the CRDs"
kubectl_local apply --server-side --force-conflicts -k deploy/crds >/dev/null
kubectl_local wait --for=condition=Established crd --all --timeout=60s >/dev/null
rm -rf "${OUTPUT_DIR}/kubectl-cache"
kubectl_local create namespace "${NAMESPACE}" --dry-run=client -o yaml | kubectl_local apply -f - >/dev/null

# A fresh operator every time, so the demo always runs this tree's code.
stop_operator
mkdir -p "$(dirname "${LOG_FILE}")"
nohup "${BIN_DIR}/vitess-operator" \
	--kubeconfig "${KUBECONFIG_PATH}" \
	--namespace "${NAMESPACE}" \
	--health-addr 127.0.0.1:18081 \
	--metrics-addr 127.0.0.1:18080 \
	>>"${LOG_FILE}" 2>&1 </dev/null &
echo $! >"${PID_FILE}"
log "operator running (pid $(cat "${PID_FILE}"), log ${LOG_FILE#"${REPO_ROOT}/"})"

log "applying example/cluster.yaml and example/my-vitess.yaml"
kubectl_local -n "${NAMESPACE}" apply -f example/cluster.yaml -f example/my-vitess.yaml
log "waiting for the Vitess cluster to be Ready"
kubectl_local -n "${NAMESPACE}" wait --for=condition=Ready vitesscluster/vitess --timeout=300s >/dev/null
kubectl_local -n "${NAMESPACE}" wait --for=jsonpath='{.status.phase}'=Ready rss/example --timeout=120s >/dev/null

show() {
	printf '\n$ kubectl %s\n' "$*"
	kubectl_local "$@"
}
echo
echo "Status, as users read it (KUBECONFIG=${KUBECONFIG_PATH#"${REPO_ROOT}/"}):"
show -n "${NAMESPACE}" get vitess
show -n "${NAMESPACE}" get pods -l vitess.io/component=vttablet -L vitess.io/pool,replication.vitess-operator.io/role
show -n "${NAMESPACE}" get vitessclusters -o 'custom-columns=NAME:.metadata.name,READY:.status.phase'
show -n "${NAMESPACE}" get vitessclusters -o 'custom-columns=NAME:.metadata.name,READY:.status.conditions[?(@.type=="Ready")].status'
show -n "${NAMESPACE}" get rss/example -o=jsonpath='{"Primaries: "}{.status.members.primary}{"\n"}{"Members:   "}{.status.members.ready}{"\n"}'
cat <<MSG

The operator keeps running against namespace ${NAMESPACE}. Try:
  export KUBECONFIG=${KUBECONFIG_PATH}
  _output/bin/kubectl -n ${NAMESPACE} get vitess
  curl -s 127.0.0.1:18080/metrics | grep vitess_operator
Stop it and remove the local cluster with: make demo-down
MSG
