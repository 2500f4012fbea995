#!/usr/bin/env bash
# The full test suite (README: "Run the tests"). Installs missing system packages, builds every product and
# test target, then runs all tests: unit tests, and integration tests that start the real binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
swift build --build-tests
# Serial on purpose: integration tests block on real sockets and processes, and run in parallel on this
# 2-core machine they starve Swift's cooperative thread pool (two threads) until everything stalls.
swift test --skip-build --no-parallel
