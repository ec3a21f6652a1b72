#!/usr/bin/env bash
# End-to-end on kind with real Vitess images, for machines with a Docker
# engine (it cannot run where there is none):
#   create a kind cluster, build and load the operator image, deploy the
#   operator with kubectl apply -k deploy/crds and deploy/operator, apply a two-shard cluster, wait
#   for Ready, write and read a row through vtgate, delete the primary tablet
#   of each shard, and check that the new primaries serve the row.
# The operator's is the only image built here: vttablet and mysqlctld (with
# the mysqld and mysql client beside it) run on the public vitess/lite image,
# as its vitess user, and etcd on quay.io/coreos/etcd; kind pulls them.
# Needs docker, kind and kubectl on PATH. KEEP=1 leaves the kind cluster.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

KIND_CLUSTER="${KIND_CLUSTER:-vitess-operator-e2e}"
NS=vitess
# The image hack/kind/cluster.yaml names for every Vitess container.
VITESS_IMAGE=vitess/lite:v24.0.0
for tool in docker kind kubectl; do
	command -v "${tool}" >/dev/null || die "${tool} is needed on PATH"
done
docker info >/dev/null 2>&1 || die "no Docker engine answers; this script needs one"

export KUBECONFIG="${OUTPUT_DIR}/kind-kubeconfig"
mkdir -p "${OUTPUT_DIR}"
cleanup() {
	if [[ "${KEEP:-}" != "1" ]]; then
		kind delete cluster --name "${KIND_CLUSTER}" >/dev/null 2>&1 || true
	fi
}
trap cleanup EXIT

kind get clusters | grep -qx "${KIND_CLUSTER}" || kind create cluster --name "${KIND_CLUSTER}" --kubeconfig "${KUBECONFIG}"
log "building the operator image"
docker build -t vitess-operator:latest .
kind load docker-image --name "${KIND_CLUSTER}" vitess-operator:latest

log "deploying the operator"
kubectl apply --server-side -k deploy/crds
kubectl apply -k deploy/operator
kubectl -n "${NS}" rollout status deployment/vitess-operator --timeout=180s

log "creating the cluster"
kubectl -n "${NS}" apply -f hack/kind/cluster.yaml
kubectl -n "${NS}" wait --for=condition=Ready vitesscluster/vitess --timeout=20m
kubectl -n "${NS}" get vitessclusters -o 'custom-columns=NAME:.metadata.name,READY:.status.phase'

# The operator runs tablets as uid 999 (pkg/vitess/podsecurity.go); the image
# must call that uid vitess, the user that owns /vt.
tablet=$(kubectl -n "${NS}" get pods -l vitess.io/component=vttablet -o jsonpath='{.items[0].metadata.name}')
for container in vttablet mysqld; do
	user=$(kubectl -n "${NS}" exec "${tablet}" -c "${container}" -- id -un || true)
	[[ "${user}" == "vitess" ]] || die "${tablet}/${container} runs as ${user}, not vitess"
done

# The mysql client of vitess/lite (the tablets' image, so already pulled).
vtgate_sql() {
	kubectl -n "${NS}" run "mysql-$RANDOM" --rm -i --restart=Never --image="${VITESS_IMAGE}" --quiet -- \
		mysql -h vitess-zone1-vtgate -P 3306 -u user -N -e "$1"
}
vtctld() {
	kubectl -n "${NS}" exec deploy/vitess-global-vtctld -- vtctldclient --server=localhost:15999 "$@"
}
log "creating a sharded table"
vtctld ApplySchema --sql "CREATE TABLE IF NOT EXISTS t (id BIGINT PRIMARY KEY, v VARCHAR(32))" main
vtctld ApplyVSchema --vschema '{"sharded":true,"vindexes":{"hash":{"type":"hash"}},"tables":{"t":{"column_vindexes":[{"column":"id","name":"hash"}]}}}' main
log "writing a row through vtgate"
vtgate_sql "INSERT INTO main.t (id, v) VALUES (1, 'kept') ON DUPLICATE KEY UPDATE v = 'kept'"
[[ "$(vtgate_sql 'SELECT v FROM main.t WHERE id = 1')" == "kept" ]] || die "the row was not read back"

for shard in vitess-main-x-80 vitess-main-80-x; do
	primary=$(kubectl -n "${NS}" get vts "${shard}" -o jsonpath='{.status.members.primary[0]}')
	log "deleting primary ${primary} of ${shard}"
	kubectl -n "${NS}" delete pod "${primary}" --wait=false
	for _ in $(seq 1 180); do
		now=$(kubectl -n "${NS}" get vts "${shard}" -o jsonpath='{.status.members.primary[0]}')
		[[ -n "${now}" && "${now}" != "${primary}" ]] && break
		sleep 1
	done
	[[ -n "${now}" && "${now}" != "${primary}" ]] || die "${shard}: no new primary"
	log "${shard}: new primary ${now}"
done
kubectl -n "${NS}" wait --for=condition=Ready vitesscluster/vitess --timeout=10m
[[ "$(vtgate_sql 'SELECT v FROM main.t WHERE id = 1')" == "kept" ]] || die "the row is gone after the failover"
log "kind end-to-end passed"
