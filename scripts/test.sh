#!/usr/bin/env bash
# The full test suite (README: "Run the tests"). Installs missing system packages, builds every product and
# test target, then runs all tests: unit tests, and integration tests that start the real binaries.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
