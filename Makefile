# venuebook: `make run` serves the demo venue, `make test` runs every test.
GO        ?= go
BIN       ?= bin/venuebook
FUZZTIME  ?= 10000x
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)

# Fuzz targets as package:Target; each runs FUZZTIME in `make test`: a count
# of inputs, not a duration — a -fuzztime duration can fail a target with
# "context deadline exceeded" on a loaded machine (Go issue 75804, fixed only
# in Go 1.27), and a count keeps the run the same however slow the machine.
FUZZ_TARGETS := \
	./app/web:FuzzDecodeBookingRequest \
	./app:FuzzParseInstant \
	./app:FuzzParseHours \
	./app:FuzzParseDate \
	./app:FuzzValidateBooking \
	./app:FuzzParseConfig \
	./app:FuzzPermitToken \
	./app:FuzzCSVSafe \
	./app:FuzzDecodeCursor \
	./app/l10n:FuzzNegotiate

AXE_VERSION := 4.10.3
AXE := .cache/axe-core-$(AXE_VERSION)/axe.min.js

.PHONY: all build run test unit fuzz bench lint clean browser-deps

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

run: build
	./$(BIN)

test: lint browser-deps fuzz unit

# The whole run takes some five minutes here; -timeout only ends a run that
# hangs, so it is long enough for a machine ten times slower.
unit:
	VENUEBOOK_AXE=$(CURDIR)/$(AXE) $(GO) test -race -count=1 -timeout 60m ./...

# Each run's output goes to a log of its own (two checkouts fuzzing at once
# never share one), shown only when the target fails.
fuzz:
	@set -e; log=$$(mktemp -t venuebook-fuzz.XXXXXX); trap 'rm -f "$$log"' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg > "$$log" 2>&1 || { cat "$$log"; exit 1; }; \
	done

# bench prints the booking engine's figures; see README "Performance".
bench:
	@mkdir -p .cache
	$(GO) test -run='^$$' -bench='^BenchmarkThroughput$$' -benchtime=1x -count=1 -timeout 30m ./app/web | tee .cache/bench.txt
	$(GO) test -run='^$$' -bench='^BenchmarkYearsOfData$$' -benchtime=1x -count=1 -timeout 30m ./app/web | tee -a .cache/bench.txt
	$(GO) test -run='^$$' -bench='^BenchmarkHostileBodies$$' -benchtime=3s -count=1 -timeout 30m ./app/web | tee -a .cache/bench.txt
	@awk -f bench.awk .cache/bench.txt
	@echo; echo "Crash safety: SIGKILL at random moments while 16 clients book, 20 rounds"
	@VENUEBOOK_CRASH_ROUNDS=20 $(GO) test -run '^TestCrashSafety$$' -count=1 -v . 2>&1 | grep -E 'rounds|^ok|FAIL'
	@if command -v systemd-analyze >/dev/null 2>&1; then systemd-analyze verify deploy/venuebook.service || true; fi

# browser-deps makes sure the browser tests have Debian's chromium (installed
# with apt-get when missing, as root) and axe-core from the npm registry.
browser-deps: $(AXE)
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" != 0 ]; then echo "chromium is missing: run 'sudo apt-get install -y chromium' (the browser tests need it)"; exit 1; fi; \
		echo "installing chromium with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

$(AXE):
	@if ! command -v npm >/dev/null 2>&1; then \
		if [ "$$(id -u)" != 0 ]; then echo "npm is missing: run 'sudo apt-get install -y npm' (axe-core comes from the npm registry)"; exit 1; fi; \
		echo "installing npm with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	fi
	mkdir -p .cache/tmp
	cd .cache/tmp && npm pack axe-core@$(AXE_VERSION) --silent >/dev/null && tar xzf axe-core-$(AXE_VERSION).tgz
	mv .cache/tmp/package .cache/axe-core-$(AXE_VERSION) && rm -rf .cache/tmp

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin data .cache
