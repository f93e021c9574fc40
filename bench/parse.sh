#!/usr/bin/env bash
# Parse-and-check benchmark: `haproxy -c` vs `rampart -c` on the same generated configuration
# (10,000 backends x 5 servers = 50,000 servers by default): wall time, peak RSS, ratios.
#
#   bench/parse.sh [--runs N] [--backends N] [--servers S] [--rules acl|plain|both]
#
# --rules acl:   one `use_backend be_N if { hdr(host) -m str bN.example.test }` per backend
# --rules plain: one unconditional `use_backend be_N` per backend (no ACL parsing)
# Default: both, one after the other. Needs python3 and Debian's haproxy 2.6; installs
# `time` and `hyperfine` with apt when missing (without hyperfine, /usr/bin/time runs are
# used for the timing too). Files go to bench/out/ (ignored by git).
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=5
BACKENDS=10000
SERVERS=5
RULES=both
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS=$2; shift 2 ;;
        --backends) BACKENDS=$2; shift 2 ;;
        --servers) SERVERS=$2; shift 2 ;;
        --rules) RULES=$2; shift 2 ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
case "$RULES" in acl|plain) VARIANTS=("$RULES") ;; both) VARIANTS=(plain acl) ;;
    *) echo "--rules takes acl, plain or both" >&2; exit 2 ;; esac

apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -qq "$@" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null 2>&1 && $sudo apt-get install -y -qq "$@" >/dev/null 2>&1; }
}
[ -x /usr/bin/time ] || apt_install time || { echo "error: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
command -v hyperfine >/dev/null || apt_install hyperfine || echo "note: hyperfine unavailable, timing with /usr/bin/time" >&2
HAPROXY=${HAPROXY_BIN:-$(PATH="$PATH:/usr/sbin:/sbin" command -v haproxy || true)}
[ -n "$HAPROXY" ] || { echo "error: haproxy is not installed (apt-get install haproxy)" >&2; exit 1; }

echo "== building rampart (release)"
cargo build --release -q -p rampart
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
RAMPART="$TARGET_DIR/release/rampart"
OUT=bench/out
mkdir -p "$OUT"
echo "   $("$HAPROXY" -v | head -n1)"
echo "   rampart: $RAMPART"

# measure PROG NAME CFG -> "median_wall_s median_cpu_s max_rss_kib" over RUNS runs of
# /usr/bin/time (cpu = user + system: less sensitive than wall time to a busy machine)
measure() {
    local i
    : >"$OUT/$2.time"
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f '%e %U %S %M' -o "$OUT/$2.one" "$1" -c -f "$3" >/dev/null 2>&1 || true
        tail -n1 "$OUT/$2.one" >>"$OUT/$2.time"
    done
    python3 -c '
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(statistics.median(float(r[0]) for r in rows),
      statistics.median(float(r[1]) + float(r[2]) for r in rows),
      max(int(r[3]) for r in rows))' "$OUT/$2.time"
}

status=0
for rules in "${VARIANTS[@]}"; do
    CFG="$OUT/parse-$rules.cfg"
    python3 bench/gen-config.py --backends "$BACKENDS" --servers "$SERVERS" --rules "$rules" -o "$CFG"
    echo
    echo "== $CFG: $(wc -l <"$CFG") lines, $(( $(wc -c <"$CFG") / 1024 )) KiB," \
         "$BACKENDS backends x $SERVERS servers, use_backend rules: $rules"
    if ! "$HAPROXY" -c -f "$CFG" >"$OUT/haproxy-$rules.log" 2>&1; then
        echo "error: haproxy rejects it:"; grep -v NOTICE "$OUT/haproxy-$rules.log" | head -10
        status=1; continue
    fi
    if ! "$RAMPART" -c -f "$CFG" >"$OUT/rampart-$rules.log" 2>&1; then
        echo "rampart rejects it, nothing to compare:"
        grep -v NOTICE "$OUT/rampart-$rules.log" | head -10 | sed 's/^/    /'
        status=1; continue
    fi
    read -r H_WALL H_CPU H_RSS < <(measure "$HAPROXY" "haproxy-$rules" "$CFG")
    read -r R_WALL R_CPU R_RSS < <(measure "$RAMPART" "rampart-$rules" "$CFG")
    if command -v hyperfine >/dev/null; then
        hyperfine --warmup 1 --runs "$RUNS" --style basic --export-json "$OUT/hyperfine-$rules.json" \
            -n "haproxy -c" "$HAPROXY -c -f $CFG" -n "rampart -c" "$RAMPART -c -f $CFG" 2>&1 |
            grep -v '^ *$' | sed 's/^/   /' || true
        read -r H_WALL R_WALL < <(python3 -c '
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
print(r["haproxy -c"], r["rampart -c"])' "$OUT/hyperfine-$rules.json")
    fi
    python3 - "$H_WALL" "$H_CPU" "$H_RSS" "$R_WALL" "$R_CPU" "$R_RSS" <<'PY'
import sys
hw, hc, hr, rw, rc, rr = (float(a) for a in sys.argv[1:7])
ratio = lambda a, b: a / b if b > 0 else float("inf")
print("   %-12s %9s %9s %12s" % ("median", "wall", "cpu", "peak RSS"))
print("   %-12s %8.3fs %8.3fs %8.1f MiB" % ("haproxy -c", hw, hc, hr / 1024))
print("   %-12s %8.3fs %8.3fs %8.1f MiB" % ("rampart -c", rw, rc, rr / 1024))
speed = ratio(hw, rw)
print("   haproxy/rampart: wall %.2fx (%s the >= 2x target), cpu %.2fx, peak RSS %.2fx"
      % (speed, "meets" if speed >= 2 else "MISSES", ratio(hc, rc), ratio(hr, rr)))
PY
done
exit $status
