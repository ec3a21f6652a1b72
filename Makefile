# vitess-operator. `make demo` runs the operator on a local control plane;
# `make test` runs every test. See README.md.

SHELL := /usr/bin/env bash -o pipefail
GO ?= go
BIN := _output/bin
E2E_TIMEOUT ?= 30m

.PHONY: all build demo demo-down test lint test-unit verify test-e2e bench codegen \
	local-up local-down image clean

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

## test: formatting, vet, unit tests, generated-code checks and end-to-end tests.
test: lint test-unit verify test-e2e

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^pkg/generated/')); \
	if [[ -n "$$out" ]]; then echo "gofmt wants to change: $$out"; exit 1; fi
	$(GO) vet ./...

test-unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /test/e2e)

verify:
	hack/verify-deps.sh
	hack/test-verify-codegen.sh
	hack/verify-vitess-flags.sh

test-e2e: local-up
	$(GO) test -count=1 -timeout $(E2E_TIMEOUT) ./test/e2e/...

## bench: recovery and failover latency of a ReplicatedStatefulSet and a Vitess shard on the local cluster.
bench: local-up
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
