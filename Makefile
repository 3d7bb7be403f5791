# nxp: the two commands a fresh machine needs are `make demo` and `make test`.
SWIFT ?= swift
BIN := .build/release/nxp

.PHONY: demo test lint format setup setup-test build bench clean

## Set up, build, and run Examples/quickstart.nxp and Examples/explain.nxp end to end, offline;
## the second writes a neuron viewer and the run as a notebook page.
demo: setup build
	$(BIN) run Examples/quickstart.nxp
	$(BIN) run Examples/explain.nxp --report Examples/out/explain.html

## Set up (including the Python reference packages) and run the whole test suite.
test: setup-test lint
	$(SWIFT) build -c release --product nxp
	NXP_REQUIRE_LLAMA_SERVER=1 NXP_REQUIRE_BROWSER=1 NXP_BINARY=$(CURDIR)/$(BIN) $(SWIFT) test

## Print the benchmark figures the README quotes.
bench: setup build
	$(SWIFT) build -c release --product nxp-bench
	.build/release/nxp-bench

## Style and layout checks: swift-format (.swift-format) and each target's declared imports.
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift
	python3 scripts/check-imports.py

## Rewrites the sources in the committed style.
format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

build:
	$(SWIFT) build -c release --product nxp

clean:
	rm -rf .build .nxp
