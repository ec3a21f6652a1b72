#!/usr/bin/env bash
# Builds the simulation host into _output/bin and the simulators that kwok
# runs for kubectl exec into _output/sim, which leads the kwok controller's PATH.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "${REPO_ROOT}"

mkdir -p "${BIN_DIR}" "${SIM_DIR}"
go build -o "${BIN_DIR}/simhost" ./test/simhost
for sim in tabletsim; do
	go build -o "${SIM_DIR}/${sim}" "./test/${sim}"
done
# tabletsim answers as the Vitess clients too, by the name it is run under.
for alias in vtctldclient mysql mysqlctl; do
	ln -sf tabletsim "${SIM_DIR}/${alias}"
done
