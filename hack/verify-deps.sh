#!/usr/bin/env bash
# Fails when a Kubernetes library drifts off the minor of the local control
# plane. go mod tidy resolves a newly imported k8s.io module to its newest
# release and pulls the others up with it; this catches that.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

want="v0.$(echo "${KUBE_VERSION#v}" | cut -d. -f2)."
bad=0
for mod in k8s.io/api k8s.io/apimachinery k8s.io/client-go k8s.io/apiextensions-apiserver; do
	have=$(go list -m -f '{{.Version}}' "${mod}")
	if [[ "${have}" != "${want}"* ]]; then
		log "${mod} is ${have}; want ${want}x to match the control plane ${KUBE_VERSION}"
		bad=1
	fi
done
exit "${bad}"
