# saasd: see README.md. `make test` is what CI runs.
GO       ?= go
BIN      := bin/saasd
PKGS     := ./...
# MariaDB for the integration tests; tests skip MySQL cases only when it is
# unreachable and SAAS_TEST_REQUIRE_MYSQL is unset (CI sets it).
export SAAS_TEST_MYSQL_DSN ?= root@tcp(127.0.0.1:3306)/

.PHONY: build run test lint vet fmt bench clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/saasd

run: build
	./$(BIN) serve

test: lint
	$(GO) test -count=1 -timeout 8m $(PKGS)

# lint: formatting, vet, and the architecture rule that the domain depends on
# nothing but the standard library and itself.
lint: vet
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@./scripts/archcheck.sh

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w .

bench:
	$(GO) run ./bench

clean:
	rm -rf bin data
