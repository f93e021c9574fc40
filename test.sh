#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, every test (unit, integration,
# the HAProxy compatibility corpus), then the fuzz smoke run when it exists.
# The compatibility corpus needs Debian's haproxy 2.6 (`.ci/run` installs it).
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --all -- --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test --workspace"
cargo test --workspace

if [ -f fuzz/smoke.sh ]; then
    step "fuzz/smoke.sh"
    bash fuzz/smoke.sh
fi

step "all checks passed"
