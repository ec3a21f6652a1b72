# vitess-operator. `make demo` runs the operator on a local control plane;
# `make test` runs every test. See README.md.

SHELL := /usr/bin/env bash -o pipefail
GO ?= go
BIN := _output/bin
E2E_TIMEOUT ?= 30m

.PHONY: all build demo demo-down test lint test-unit verify test-scenarios test-e2e bench codegen \
	local-up local-down image clean test-bench bench-e2e chaos test-chaos fuzz

all: build

build:
	$(GO) build -o $(BIN)/vitess-operator ./cmd/vitess-operator

## demo: bring up the local cluster, run the operator, apply the examples, print status.
demo:
	hack/demo.sh

## demo-down: stop the demo operator and remove the local cluster.
demo-down:
	hack/demo.sh --down
	hack/local-down.sh

## test: formatting, vet, staticcheck, unit tests, generated-code checks, govulncheck, the Vitess scenarios on
## real Vitess and on the simulator, end-to-end tests, a reduced benchmark run and a 3-minute chaos run.
test: lint test-unit verify test-scenarios test-e2e test-bench test-chaos

lint:
	hack/lint.sh

test-unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v -e /test/e2e -e /test/scenarios -e /test/realvitess)

## fuzz: every fuzz target under pkg/ (func FuzzXxx) for FUZZTIME each, one at a time since go test
## fuzzes one target per run; crashers land in the package's testdata/fuzz, which `go test` then
## runs as seeds, as it runs every target's f.Add seeds in test-unit.
FUZZTIME ?= 60s
fuzz:
	@set -e; for pkg in $$($(GO) list ./pkg/...); do \
		for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$target for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

## test-scenarios: the Vitess driver's scenarios on real Vitess v24 processes (MariaDB as mysqld)
## and on the tablet simulator, which must agree; and the real tier's own tests.
test-scenarios:
	hack/real-vitess.sh
	REAL_VITESS_BIN=$(CURDIR)/_output/real-vitess/bin $(GO) test -count=1 -timeout 20m ./test/realvitess/... ./test/scenarios/...

verify:
	hack/verify-deps.sh
	hack/test-verify-codegen.sh
	hack/verify-vitess-flags.sh
	hack/verify-vulns.sh

test-e2e: local-up
	$(GO) test -count=1 -timeout $(E2E_TIMEOUT) -parallel 4 ./test/e2e/...

## bench: the benchmark of doc/benchmarks.md (test/bench) on the local cluster; results in _output/bench.
bench:
	hack/bench.sh

## test-bench: the benchmark reduced to 16 shards and a few replacements and failovers, so the tool keeps working.
test-bench:
	hack/bench.sh --shards 16 --replacements 5 --failovers 3 --idle 30s

## chaos: CHAOS_DURATION (default 15m) of pod, member, node, operator and control-plane failures under
## writes, with invariants read from the data plane (test/chaos); the last line is `violations: N, lost writes: M, ...`.
chaos:
	hack/chaos.sh

## test-chaos: the chaos run, 3 minutes long. It fails the build on a safety violation (two primaries, a
## lost acknowledged write, a deleted claim) and prints the operators' actions then; liveness violations
## are counted, not failed on (they depend on the load of the machine). `make chaos` fails on any violation.
test-chaos:
	CHAOS_DURATION=3m hack/chaos.sh --fail-on=safety

## bench-e2e: recovery and failover latency of a ReplicatedStatefulSet and a Vitess shard (go test benchmarks).
bench-e2e: local-up
	$(GO) test -run '^$$' -bench . -benchtime 12x ./test/e2e/...

codegen:
	hack/update-codegen.sh

local-up:
	hack/local-up.sh

local-down:
	hack/local-down.sh

image:
	docker build -t vitess-operator:latest .

clean: local-down
	rm -rf _output
