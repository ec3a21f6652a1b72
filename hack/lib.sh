#!/usr/bin/env bash
# Shared settings for the scripts in hack/. Source it; it defines paths and
# helpers and changes nothing on disk by itself.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUTPUT_DIR="${REPO_ROOT}/_output"
BIN_DIR="${OUTPUT_DIR}/bin"
# SIM_DIR holds the simulator binaries that kwok runs for kubectl exec; it is put
# at the front of the kwok controller's PATH.
SIM_DIR="${OUTPUT_DIR}/sim"
KWOK_WORKDIR="${OUTPUT_DIR}/kwok"
KUBECONFIG_PATH="${OUTPUT_DIR}/kubeconfig"
CLUSTER_NAME="${CLUSTER_NAME:-vitess-operator}"

KUBE_VERSION="v1.36.3"
KWOK_VERSION="v0.8.0"

# kubectl_local runs the kubectl built for the local cluster. Its discovery
# cache lives under _output: one in ~/.kube from before the CRDs were
# installed would hide them.
kubectl_local() {
	"${BIN_DIR}/kubectl" --cache-dir "${OUTPUT_DIR}/kubectl-cache" "$@"
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# kube_ldflags sets the version the control-plane binaries report; without it
# they say v0.0.0-master, which kubectl and kwokctl cannot parse.
kube_ldflags() {
	local major minor
	major=$(echo "${KUBE_VERSION#v}" | cut -d. -f1)
	minor=$(echo "${KUBE_VERSION#v}" | cut -d. -f2)
	local v
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		v+=" -X ${pkg}.gitVersion=${KUBE_VERSION}"
		v+=" -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor}"
		v+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
	done
	echo "-s -w${v}"
}

# stamp_of prints a short hash of the inputs that decide what a build produces,
# so a cached binary is rebuilt when a pin changes.
stamp_of() {
	cat "$@" | sha256sum | cut -c1-16
}

# build_cached NAME STAMP CMD... runs CMD to produce ${BIN_DIR}/NAME unless a
# binary built from the same STAMP is already there.
build_cached() {
	local name=$1 stamp=$2
	shift 2
	local stampfile="${BIN_DIR}/.${name}.stamp"
	if [[ -x "${BIN_DIR}/${name}" && -f "${stampfile}" && "$(cat "${stampfile}")" == "${stamp}" ]]; then
		return 0
	fi
	log "building ${name}"
	mkdir -p "${BIN_DIR}"
	"$@" || die "building ${name} failed"
	echo "${stamp}" >"${stampfile}"
}
