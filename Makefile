# venuebook: `make run` serves the demo venue, `make test` runs every test.
GO        ?= go
BIN       ?= bin/venuebook
FUZZTIME  ?= 5s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)

# Fuzz targets as package:Target; each runs for FUZZTIME in `make test`.
FUZZ_TARGETS := \
	./app/web:FuzzDecodeBookingRequest \
	./app:FuzzParseInstant \
	./app:FuzzParseHours \
	./app:FuzzParseDate \
	./app:FuzzValidateBooking \
	./app:FuzzParseConfig

.PHONY: all build run test unit fuzz bench lint clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

run: build
	./$(BIN)

test: lint fuzz unit

unit:
	$(GO) test -race -count=1 -timeout 15m ./...

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg > /tmp/venuebook-fuzz.log 2>&1 || { cat /tmp/venuebook-fuzz.log; exit 1; }; \
	done

# bench prints the booking engine's figures; see README "Performance".
bench:
	$(GO) test -run='^$$' -bench=. -benchtime=3s -count=1 -timeout 30m ./app/web | tee /tmp/venuebook-bench.txt
	@awk -f bench.awk /tmp/venuebook-bench.txt

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin data
