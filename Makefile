# saasd: see README.md. `make test` is what CI runs.
GO       ?= go
BIN      := bin/saasd
PKGS     := ./...
# MariaDB for the integration tests; tests skip MySQL cases only when it is
# unreachable and SAAS_TEST_REQUIRE_MYSQL is unset (CI sets it).
export SAAS_TEST_MYSQL_DSN ?= root@tcp(127.0.0.1:3306)/
# A second server of its own, for placing tenants over two (.ci/run starts it).
export SAAS_TEST_MYSQL2_DSN ?= root@tcp(127.0.0.1:3307)/

.PHONY: build run test lint vet fmt bench clean fuzz

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

# fuzz runs every fuzz test (func FuzzX in a _test.go file) for FUZZTIME
# each; `make test` runs only their seeds (f.Add and testdata/fuzz). A
# failing input is written to the package's testdata/fuzz: commit it as a
# seed once fixed.
FUZZTIME ?= 30s
fuzz:
	@for file in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
		dir=$$(dirname $$file); \
		for target in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$file | cut -d' ' -f2); do \
			echo "fuzz $$dir $$target for $(FUZZTIME)"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$dir || exit 1; \
		done; \
	done

vet:
	$(GO) vet $(PKGS)

fmt:
	gofmt -w .

bench:
	$(GO) run ./bench -modes logins,roles,shared

clean:
	rm -rf bin data
