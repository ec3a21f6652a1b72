#!/usr/bin/env bash
# Prepares the real-Vitess test tier (test/realvitess): MariaDB as mysqld,
# an unprivileged user for the Vitess daemons (they refuse to run as root),
# etcd, and Vitess's etcd-topology servers and client built from the release
# pinned in hack/real-vitess/go.mod with hack/real-vitess/mariadb.patch
# applied (see hack/real-vitess/README.md). Each step is skipped when already
# done; a second run takes seconds. It prints what it did, and last the line
# that points the tests at the binaries:
#
#   export REAL_VITESS_BIN=.../_output/real-vitess/bin
#
# Output: _output/real-vitess/src (the patched module), _output/real-vitess/bin
# (etcd, vtctld, vttablet, mysqlctld, mysqlctl, vtctldclient, vtgate, init_db.sql).
# hack/verify-vitess-flags.sh checks the operator's flags against the --help
# of the same binaries: the patch changes no flag, and building Vitess once
# instead of twice saves CI several minutes.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RV_DIR="${OUTPUT_DIR}/real-vitess"
RV_SRC="${RV_DIR}/src"
RV_BIN="${RV_DIR}/bin"
RV_MOD="${REPO_ROOT}/hack/real-vitess"
RV_PATCH="${RV_MOD}/mariadb.patch"
RV_USER="${REAL_VITESS_USER:-vitess-test}"
VITESS_CMDS=(vtctld vttablet mysqlctld mysqlctl vtctldclient vtgate)

as_root() {
	if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

elapsed() { echo "$(($(date +%s) - $1))s"; }

# MariaDB server and client from the distribution, and patch, unless they
# are there. MariaDB's service is not needed: mysqlctld starts a mysqld per
# tablet. Another mysqld (MySQL) is not replaced: apt would remove it.
install_packages() {
	local version need=() t0
	if [[ -x /usr/sbin/mysqld ]]; then
		version=$(/usr/sbin/mysqld --version 2>/dev/null | sed 's/ *for .*//')
		[[ "${version}" == *MariaDB* ]] ||
			die "found ${version:-an unknown /usr/sbin/mysqld}; the tier runs on MariaDB: remove it or use a machine without it"
	fi
	if [[ -n "${version:-}" ]] && command -v mysql >/dev/null && command -v mysqld_safe >/dev/null; then
		log "MariaDB: present (${version})"
	else
		need+=(mariadb-server mariadb-client)
	fi
	command -v patch >/dev/null || need+=(patch)
	[[ ${#need[@]} -gt 0 ]] || return 0
	t0=$(date +%s)
	log "packages: installing ${need[*]} with apt-get"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >"${RV_DIR}/apt.log" 2>&1 ||
		{ tail -20 "${RV_DIR}/apt.log" >&2; die "installing ${need[*]} failed"; }
	log "packages: installed in $(elapsed "${t0}"); $(/usr/sbin/mysqld --version | sed 's/ *for .*//')"
}

# The user the daemons run as when the tests run as root.
ensure_user() {
	if [[ $(id -u) -ne 0 ]]; then
		log "user: the tests run as $(id -un), and so do the daemons"
	elif id -u "${RV_USER}" >/dev/null 2>&1; then
		log "user: ${RV_USER} present"
	else
		useradd --system --no-create-home --shell /usr/sbin/nologin "${RV_USER}"
		log "user: created ${RV_USER}, which the Vitess daemons run as"
	fi
}

# etcd comes from the local control plane's pinned module. hack/local-up.sh
# builds it under a lock on _output/local-up.lock while other test packages
# may run it too, so take the same lock: the second caller then finds it built.
build_etcd() {
	local t0
	t0=$(date +%s)
	mkdir -p "${OUTPUT_DIR}"
	(
		exec 9>"${OUTPUT_DIR}/local-up.lock"
		flock 9
		"${REPO_ROOT}/hack/build-cluster-binaries.sh"
	)
	ln -sf ../../bin/etcd "${RV_BIN}/etcd"
	log "etcd: ${BIN_DIR}/etcd ($(elapsed "${t0}"))"
}

# The module's source, copied out of the module cache (which is read-only
# and where go build -overlay is refused) and patched.
prepare_source() {
	local stamp=$1 stampfile="${RV_DIR}/.src.stamp" version dir
	if [[ -f "${RV_SRC}/go.mod" && -f "${stampfile}" && "$(cat "${stampfile}")" == "${stamp}" ]]; then
		log "source: ${RV_SRC} is patched already"
		return
	fi
	version=$(awk '{ for (i = 1; i < NF; i++) if ($i == "vitess.io/vitess" && $(i + 1) ~ /^v[0-9]/) { print $(i + 1); exit } }' "${RV_MOD}/go.mod")
	[[ -n "${version}" ]] || die "no vitess.io/vitess requirement in ${RV_MOD}/go.mod"
	dir=$(env -C / GOFLAGS= go mod download -json "vitess.io/vitess@${version}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[[ -d "${dir}" ]] || die "go mod download vitess.io/vitess@${version} gave no directory"
	rm -rf "${RV_SRC}"
	cp -r "${dir}" "${RV_SRC}"
	chmod -R u+w "${RV_SRC}"
	patch -p1 -s --no-backup-if-mismatch -d "${RV_SRC}" <"${RV_PATCH}" || die "${RV_PATCH} does not apply to vitess.io/vitess@${version}"
	echo "${stamp}" >"${stampfile}"
	log "source: vitess.io/vitess@${version} copied to ${RV_SRC} and patched with $(basename "${RV_PATCH}")"
}

# The binaries, built together through the tool module, whose replace
# directive points at the patched source.
build_vitess() {
	local stamp=$1 stampfile="${RV_BIN}/.vitess.stamp" name t0 pkgs=()
	local ok=1
	for name in "${VITESS_CMDS[@]}"; do
		[[ -x "${RV_BIN}/${name}" ]] || ok=0
		pkgs+=("vitess.io/vitess/go/cmd/${name}")
	done
	if [[ ${ok} -eq 1 && -f "${stampfile}" && "$(cat "${stampfile}")" == "${stamp}" ]]; then
		log "Vitess: ${VITESS_CMDS[*]} built already"
		return
	fi
	t0=$(date +%s)
	log "Vitess: building ${VITESS_CMDS[*]} (a few minutes the first time)"
	(cd "${RV_MOD}" && go build -trimpath -ldflags '-s -w' -o "${RV_BIN}/" "${pkgs[@]}") || die "building Vitess failed"
	echo "${stamp}" >"${stampfile}"
	log "Vitess: built in $(elapsed "${t0}")"
}

# Vitess's init SQL, written once a fresh mysqld is initialised, turns
# super_read_only off and back on; MariaDB has no such variable and fails
# there. The tier's copy drops those statements; everything else is stock.
write_init_db() {
	local src="${RV_SRC}/config/init_db.sql" out="${RV_BIN}/init_db.sql"
	[[ -f "${src}" ]] || die "${src} is missing"
	grep -v 'super_read_only' "${src}" >"${out}.tmp"
	mv "${out}.tmp" "${out}"
	log "init SQL: ${out} (config/init_db.sql without its $(grep -c 'super_read_only' "${src}") super_read_only lines)"
}

main() {
	local t0 stamp
	t0=$(date +%s)
	mkdir -p "${RV_DIR}" "${RV_BIN}"
	install_packages
	ensure_user
	build_etcd
	stamp=$(stamp_of "${RV_MOD}/go.mod" "${RV_MOD}/go.sum" "${RV_PATCH}")
	prepare_source "${stamp}"
	build_vitess "${stamp}"
	write_init_db
	log "real Vitess ready in $(elapsed "${t0}"); to run its tests:"
	echo "export REAL_VITESS_BIN=${RV_BIN}"
}

main "$@"
