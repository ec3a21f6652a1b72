#!/usr/bin/env bash
# Regenerates everything generated from the API types:
#   - deepcopy functions next to the types (kube_codegen.sh gen_helpers),
#   - the clientset, listers and informers in pkg/generated (kube_codegen.sh gen_client),
#   - the CRD manifests in deploy/crds (controller-gen), and the
#     kustomization that installs them.
# The generators (and the API reference's crd-ref-docs) are pinned in
# hack/tools/go.mod. Never edit their output by hand.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

MODULE=github.com/vitess-operator/vitess-operator
# CODEGEN_TOOLS_BIN lets hack/verify-codegen.sh share one build of the generators.
TOOLS_BIN="${CODEGEN_TOOLS_BIN:-${OUTPUT_DIR}/tools}"
mkdir -p "${TOOLS_BIN}"
# kube_codegen.sh installs its generators into GOBIN; keep them in _output.
export GOBIN="${TOOLS_BIN}"

# go list reports no directory for a module that is not downloaded yet, as
# on a fresh machine.
(cd hack/tools && go mod download k8s.io/code-generator)
CODEGEN_PKG=$(cd hack/tools && go list -m -f '{{.Dir}}' k8s.io/code-generator)
[[ -f "${CODEGEN_PKG}/kube_codegen.sh" ]] || die "kube_codegen.sh not found in k8s.io/code-generator (${CODEGEN_PKG})"
# shellcheck source=/dev/null
source "${CODEGEN_PKG}/kube_codegen.sh"

kube::codegen::gen_helpers \
	--boilerplate hack/boilerplate.go.txt \
	pkg/apis

kube::codegen::gen_client \
	--with-watch \
	--output-dir pkg/generated \
	--output-pkg "${MODULE}/pkg/generated" \
	--boilerplate hack/boilerplate.go.txt \
	pkg/apis

(cd hack/tools && go build -o "${TOOLS_BIN}/controller-gen" sigs.k8s.io/controller-tools/cmd/controller-gen)
rm -rf deploy/crds/*.yaml
"${TOOLS_BIN}/controller-gen" crd:crdVersions=v1 paths=./pkg/apis/... output:crd:artifacts:config=deploy/crds
# The CRDs install on their own, once per cluster (deploy/operator never
# includes them), so they have a kustomization of their own that lists them.
{
	cat <<-'EOF'
	# The CustomResourceDefinitions, installed once per cluster:
	# kubectl apply --server-side -k deploy/crds
	# Generated with the CRDs by hack/update-codegen.sh. Never delete them while
	# any namespace runs clusters: deleting a CRD deletes every object of its
	# kind in every namespace.
	apiVersion: kustomize.config.k8s.io/v1beta1
	kind: Kustomization
	resources:
	EOF
	for f in deploy/crds/*.yaml; do
		echo "- $(basename "${f}")"
	done
	cat <<-'EOF'
	labels:
	- pairs:
	    app.kubernetes.io/part-of: vitess-operator
	  includeSelectors: false
	EOF
} >deploy/crds/kustomization.yaml.new
mv deploy/crds/kustomization.yaml.new deploy/crds/kustomization.yaml

# The API reference, from the same types (doc/user/api-reference.md).
(cd hack/tools && go build -o "${TOOLS_BIN}/crd-ref-docs" github.com/elastic/crd-ref-docs)
"${TOOLS_BIN}/crd-ref-docs" --source-path=./pkg/apis --config=hack/api-reference.yaml --renderer=markdown \
	--output-path=doc/user/api-reference.md --log-level=ERROR
