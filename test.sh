#!/usr/bin/env bash
# The whole test suite: vet, the race-checked tests of the pure-Go build, and the
# CBC build (milp's cgo backend) when COIN-OR CBC is installed
# (apt-get install coinor-libcbc-dev pkg-config). COSOLVE_REQUIRE_CBC=1 makes a
# missing CBC an error instead of a skip.
set -euo pipefail
cd "$(dirname "$0")"
go vet ./...
go test -race ./...
if pkg-config --exists cbc 2>/dev/null; then
	go vet -tags cbc ./...
	go test -tags cbc ./milp/... ./solvers/robust/... ./benchmarks/... ./cli/...
elif [[ "${COSOLVE_REQUIRE_CBC:-0}" == 1 ]]; then
	echo "test.sh: CBC not found (apt-get install coinor-libcbc-dev pkg-config)" >&2
	exit 1
else
	echo "test.sh: CBC not installed; skipping the cbc build (apt-get install coinor-libcbc-dev pkg-config)"
fi
