#!/usr/bin/env bash
# The full test suite (README: "Run the tests"). Installs missing system packages, builds every product and
# test target, then runs two lanes:
#   unit         pure and in-process tests (no daemon processes, no timing against real sockets), in parallel
#   integration  tests that start the real binaries on real sockets and database files, and the wire tests that
#                time real sockets — serially: run in parallel on this 2-core machine they starve Swift's
#                cooperative thread pool (two threads) until their deadlines pass
# `scripts/test.sh unit` (about a minute after a build: the statistics simulations) is the inner loop; `scripts/test.sh integration` the rest.
set -euo pipefail
cd "$(dirname "$0")/.."

# No argument means all; an empty or unknown one, or more than one, is a usage error (never a surprise full run).
if [ $# -gt 1 ]; then echo "usage: scripts/test.sh [all|unit|integration]" >&2; exit 64; fi
lane="all"
if [ $# -eq 1 ]; then lane="$1"; fi
case "$lane" in
  all|unit|integration) ;;
  *) echo "usage: scripts/test.sh [all|unit|integration]" >&2; exit 64 ;;
esac

serial='IntegrationTests|ServerClientTests|AsyncPrimitivesTests'

./scripts/install-deps.sh
swift build --build-tests
if [ "$lane" != integration ]; then
  swift test --skip-build --skip "$serial"
fi
if [ "$lane" != unit ]; then
  swift test --skip-build --no-parallel --filter "$serial"
fi
