#!/usr/bin/env bash
# Brings up the local control plane the demo and the end-to-end tests run on:
# etcd, kube-apiserver, kube-controller-manager and kube-scheduler built from
# their Go modules, kwok simulating nodes and pods, fake nodes in two zones,
# and the simulation host that gives every PVC a volume and every pod a
# working kubectl exec. The kubeconfig goes to _output/kubeconfig; the user's
# own kubeconfig is never touched.
#
# Running it again while the cluster is up changes nothing. A cluster left on
# disk whose processes are gone is started again, or recreated if that fails.
# A cluster made from other settings (hack/local/*.yaml, the flags below, the
# Kubernetes or kwok version) is deleted, with its simulated data, and made
# anew.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODES_PER_ZONE="${NODES_PER_ZONE:-4}"
ZONES=(zone-a zone-b)
CLUSTER_DIR="${KWOK_WORKDIR}/clusters/${CLUSTER_NAME}"
# CLUSTER_STAMP records the settings the cluster on disk was made from; it
# lives in the cluster's directory so that it goes with the cluster.
CLUSTER_STAMP="${CLUSTER_DIR}/vitess-operator.stamp"
SIMHOST_PID="${OUTPUT_DIR}/simhost.pid"
LOG_DIR="${OUTPUT_DIR}/logs"

export KWOK_WORKDIR KWOK_KUBE_VERSION="${KUBE_VERSION}"
# kwokctl writes the kubeconfig it is given; pointing KUBECONFIG there too keeps
# every kwokctl and kubectl call below off ~/.kube/config.
export KUBECONFIG="${KUBECONFIG_PATH}"

mkdir -p "${OUTPUT_DIR}" "${LOG_DIR}" "${SIM_DIR}"
# One local-up at a time: test packages run in parallel and may all call it.
exec 9>"${OUTPUT_DIR}/local-up.lock"
flock 9

"${REPO_ROOT}/hack/build-cluster-binaries.sh"
"${REPO_ROOT}/hack/build-simulators.sh"

# kwokctl runs every component with its own environment; the simulator
# directory must lead PATH so that kubectl exec finds the simulators.
# The lock's descriptor is closed for the components so they do not hold it.
kwokctl() {
	PATH="${SIM_DIR}:${PATH}" "${BIN_DIR}/kwokctl" --name "${CLUSTER_NAME}" "$@" 9>&-
}

cluster_ready() {
	[[ -f "${KUBECONFIG_PATH}" ]] && kubectl_local get --raw /readyz >/dev/null 2>&1
}

# components_running holds when every process kwokctl started still runs: a
# kube-scheduler or kube-controller-manager exits when it loses its leader
# election (an API server restart, say), and nothing restarts it.
components_running() {
	local f
	for f in "${CLUSTER_DIR}"/pids/*.pid; do
		[[ -f "${f}" ]] || return 1
		kill -0 "$(cat "${f}")" 2>/dev/null || return 1
	done
}

# The settings a cluster is made from. kwokctl copies them into the cluster's
# directory when it creates it and never reads them again, so a change
# needs a new cluster.
CLUSTER_CONFIGS=("${REPO_ROOT}/hack/local/kwokctl.yaml" "${REPO_ROOT}/hack/local/stages.yaml")
CREATE_FLAGS=(
	--runtime binary
	--kubeconfig "${KUBECONFIG_PATH}"
	--kube-apiserver-binary "${BIN_DIR}/kube-apiserver"
	--kube-controller-manager-binary "${BIN_DIR}/kube-controller-manager"
	--kube-scheduler-binary "${BIN_DIR}/kube-scheduler"
	--etcd-binary "${BIN_DIR}/etcd"
	--kwok-controller-binary "${BIN_DIR}/kwok"
	--enable-crds=Exec,ClusterExec
	--kube-audit-policy "${REPO_ROOT}/hack/local/audit-policy.yaml"
	--extra-args kube-apiserver=audit-log-mode=batch
	--extra-args kube-apiserver=audit-log-maxsize=200
	--extra-args kube-apiserver=audit-log-maxbackup=1
	--extra-args kube-apiserver=audit-log-batch-max-wait=1s
)
for f in "${CLUSTER_CONFIGS[@]}"; do
	CREATE_FLAGS+=(--config "${f}")
done

# cluster_stamp prints a short hash of everything a new cluster is made from.
cluster_stamp() {
	{
		cat "${CLUSTER_CONFIGS[@]}" "${REPO_ROOT}/hack/local/audit-policy.yaml"
		printf '%s\n' "${CREATE_FLAGS[@]}" "${KUBE_VERSION}" "${KWOK_VERSION}"
	} | sha256sum | cut -c1-16
}

create_cluster() {
	log "creating local cluster ${CLUSTER_NAME}"
	kwokctl create cluster "${CREATE_FLAGS[@]}" --wait 120s >"${LOG_DIR}/kwokctl.log" 2>&1 || {
		cat "${LOG_DIR}/kwokctl.log" >&2
		die "kwokctl create cluster failed"
	}
	cluster_stamp >"${CLUSTER_STAMP}"
}

# cluster_current says whether the cluster on disk was made from the current
# settings; one without a stamp predates them.
cluster_current() {
	[[ -f "${CLUSTER_STAMP}" && "$(cat "${CLUSTER_STAMP}")" == "$(cluster_stamp)" ]]
}

# stop_simhost stops the simulation host, which is bound to one cluster.
stop_simhost() {
	local pid
	if [[ -f "${SIMHOST_PID}" ]]; then
		pid=$(cut -d' ' -f1 "${SIMHOST_PID}")
		[[ -n "${pid}" ]] && kill "${pid}" 2>/dev/null || true
		rm -f "${SIMHOST_PID}" "${OUTPUT_DIR}/simhost.ready"
	fi
}

# recreate_cluster replaces a cluster made from other settings. The simulated
# data goes too: it belonged to claims only the old cluster knew.
recreate_cluster() {
	log "local cluster ${CLUSTER_NAME} was made from other settings; recreating it"
	stop_simhost
	stop_stale
	kwokctl delete cluster >"${LOG_DIR}/kwokctl.log" 2>&1 || true
	rm -rf "${CLUSTER_DIR}" "${OUTPUT_DIR}/simdata" "${OUTPUT_DIR}/kubectl-cache"
	create_cluster
}

# stop_stale kills what is left of a cluster whose control plane does not
# answer and removes its pid files, which otherwise make kwokctl believe the
# components still run.
stop_stale() {
	local f pid
	for f in "${CLUSTER_DIR}"/pids/*.pid; do
		[[ -f "${f}" ]] || continue
		pid=$(cat "${f}")
		if [[ -r "/proc/${pid}/cmdline" ]] && tr '\0' ' ' <"/proc/${pid}/cmdline" | grep -q "${CLUSTER_DIR}"; then
			kill -9 "${pid}" 2>/dev/null || true
		fi
		rm -f "${f}"
	done
}

restart_cluster() {
	log "local cluster ${CLUSTER_NAME} is on disk but not running; starting it"
	stop_stale
	if ! kwokctl start cluster --wait 60s >"${LOG_DIR}/kwokctl.log" 2>&1 || ! cluster_ready; then
		log "starting failed; recreating the cluster"
		stop_stale
		kwokctl delete cluster >>"${LOG_DIR}/kwokctl.log" 2>&1 || true
		rm -rf "${CLUSTER_DIR}"
		create_cluster
	fi
}

apply_nodes() {
	local zone i
	for zone in "${ZONES[@]}"; do
		for ((i = 0; i < NODES_PER_ZONE; i++)); do
			sed -e "s/@NAME@/kwok-${zone}-${i}/" -e "s/@ZONE@/${zone}/" "${REPO_ROOT}/hack/local/node.yaml"
			echo "---"
		done
	done | kubectl_local apply -f - >/dev/null
}

# start_simhost runs the simulation host unless the same binary already runs.
start_simhost() {
	local bin="${BIN_DIR}/simhost" sum pid
	sum=$(sha256sum "${bin}" | cut -c1-16)
	if [[ -f "${SIMHOST_PID}" ]]; then
		read -r pid old <"${SIMHOST_PID}" || true
		if [[ -n "${pid:-}" ]] && kill -0 "${pid}" 2>/dev/null && [[ "${old:-}" == "${sum}" ]]; then
			return 0
		fi
		[[ -n "${pid:-}" ]] && kill "${pid}" 2>/dev/null || true
	fi
	log "starting the simulation host"
	rm -f "${OUTPUT_DIR}/simhost.ready"
	nohup "${bin}" \
		--kubeconfig "${KUBECONFIG_PATH}" \
		--data-dir "${OUTPUT_DIR}/simdata" \
		--sim-dir "${SIM_DIR}" \
		--health-file "${OUTPUT_DIR}/simhost.ready" \
		>>"${LOG_DIR}/simhost.log" 2>&1 </dev/null 9>&- &
	echo "$! ${sum}" >"${SIMHOST_PID}"
}

wait_simhost() {
	local i
	for ((i = 0; i < 300; i++)); do
		[[ -f "${OUTPUT_DIR}/simhost.ready" ]] && return 0
		kill -0 "$(cut -d' ' -f1 "${SIMHOST_PID}")" 2>/dev/null || break
		sleep 0.1
	done
	tail -20 "${LOG_DIR}/simhost.log" >&2
	die "the simulation host did not become ready"
}

if [[ -d "${CLUSTER_DIR}" ]] && ! cluster_current; then
	recreate_cluster
elif cluster_ready && components_running; then
	:
elif [[ -d "${CLUSTER_DIR}" ]]; then
	restart_cluster
else
	create_cluster
fi
apply_nodes
kubectl_local apply -f "${REPO_ROOT}/hack/local/storageclass.yaml" >/dev/null
start_simhost
wait_simhost
log "local cluster ${CLUSTER_NAME} is up; KUBECONFIG=${KUBECONFIG_PATH}"
