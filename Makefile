# nxp: the two commands a fresh machine needs are `make demo` and `make test`.
SWIFT ?= swift
BIN := .build/release/nxp

.PHONY: demo test setup setup-test build bench clean

## Set up, build, and run Examples/quickstart.nxp end to end, offline.
demo: setup build
	$(BIN) run Examples/quickstart.nxp

## Set up (including the Python reference packages) and run the whole test suite.
test: setup-test
	$(SWIFT) build -c release --product nxp
	NXP_BINARY=$(CURDIR)/$(BIN) $(SWIFT) test

## Print the benchmark figures the README quotes.
bench: setup build
	$(SWIFT) build -c release --product nxp-bench
	.build/release/nxp-bench

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

build:
	$(SWIFT) build -c release --product nxp

clean:
	rm -rf .build .nxp
