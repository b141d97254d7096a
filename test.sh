#!/usr/bin/env bash
# The whole test suite: formatting, a tidy go.mod, vet and staticcheck, the
# race-checked tests of the pure-Go build, and the CBC build (milp's cgo
# backend) when COIN-OR CBC is installed (apt-get install coinor-libcbc-dev
# pkg-config). COSOLVE_REQUIRE_CBC=1 makes a missing CBC an error instead of a
# skip. staticcheck comes pinned through the Go module proxy. COSOLVE_SLURM=1
# also runs the sweep on a real one-node Slurm cluster (deploy/slurm/test-local.sh:
# needs root, installs slurm-wlm and munge when missing, 1-2 minutes).
set -euo pipefail
cd "$(dirname "$0")"
unformatted=$(gofmt -l .)
if [[ -n "$unformatted" ]]; then
	echo "test.sh: gofmt would change these files:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go mod tidy -diff || { echo "test.sh: go.mod is not tidy (run go mod tidy)" >&2; exit 1; }
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
go test -race ./...
if pkg-config --exists cbc 2>/dev/null; then
	go vet -tags cbc ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags cbc ./...
	go test -tags cbc ./milp/... ./solvers/robust/... ./benchmarks/... ./cli/...
elif [[ "${COSOLVE_REQUIRE_CBC:-0}" == 1 ]]; then
	echo "test.sh: CBC not found (apt-get install coinor-libcbc-dev pkg-config)" >&2
	exit 1
else
	echo "test.sh: CBC not installed; skipping the cbc build (apt-get install coinor-libcbc-dev pkg-config)"
fi
if [[ "${COSOLVE_SLURM:-0}" == 1 ]]; then
	deploy/slurm/test-local.sh
fi
