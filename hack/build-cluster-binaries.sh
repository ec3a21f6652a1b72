#!/usr/bin/env bash
# Builds, once, the binaries of the local control plane into _output/bin:
# kube-apiserver, kube-controller-manager, kube-scheduler, kubectl and etcd
# from the pinned module in hack/cluster, and kwok and kwokctl from sigs.k8s.io/kwok.
# A binary is rebuilt only when the pins it was built from change.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

cluster_mod="${REPO_ROOT}/hack/cluster"
stamp=$(stamp_of "${cluster_mod}/go.mod" "${cluster_mod}/go.sum" "${REPO_ROOT}/hack/lib.sh")
ldflags=$(kube_ldflags)

build_kube() {
	local name=$1
	(cd "${cluster_mod}" && go build -trimpath -ldflags "${ldflags}" -o "${BIN_DIR}/${name}" "k8s.io/kubernetes/cmd/${name}")
}
for name in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
	build_cached "${name}" "${stamp}" build_kube "${name}"
done
build_cached etcd "${stamp}" bash -c "cd '${cluster_mod}' && go build -trimpath -ldflags '-s -w' -o '${BIN_DIR}/etcd' ./etcd"

kwok_stamp=$(echo "${KWOK_VERSION}" | sha256sum | cut -c1-16)
for name in kwok kwokctl; do
	build_cached "${name}" "${kwok_stamp}" env -C / GOBIN="${BIN_DIR}" go install -trimpath -ldflags '-s -w' "sigs.k8s.io/kwok/cmd/${name}@${KWOK_VERSION}"
done
