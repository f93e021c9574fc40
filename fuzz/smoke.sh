#!/usr/bin/env bash
# Bounded fuzzing run of every target: ./smoke.sh [seconds per target, default 30].
# Installs cargo-fuzz when missing. Only a stable toolchain is needed: RUSTC_BOOTSTRAP
# lets it accept the -Z flags cargo-fuzz passes (sanitizer, coverage instrumentation).
# Each run starts from the seeds in seeds/<target> and writes new inputs to a scratch
# corpus; a crash leaves its input in artifacts/<target>/ and makes this script fail.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
seconds="${1:-30}"
targets=(lexer reader proxy_protocol h1)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "smoke: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

status=0
for target in "${targets[@]}"; do
    mkdir -p "$scratch/$target"
    echo "smoke: fuzzing '$target' for ${seconds}s" >&2
    if cargo fuzz run "$target" "$scratch/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10; then
        echo "smoke: '$target' ok" >&2
    else
        echo "smoke: '$target' FAILED (see fuzz/artifacts/$target/)" >&2
        status=1
    fi
done
exit "$status"
