#!/usr/bin/env bash
# Data-path benchmark: Rampart and Debian's haproxy 2.6 side by side, on the same
# haproxy.cfg (bench/configs/haproxy.cfg), in front of one nginx origin, driven by wrk.
#
#   bench/run.sh [--rampart BIN] [--haproxy BIN] [--runs N] [--duration S] [--warmup S]
#                [--quick] [--nbthread N] [--idle N] [--scenarios LIST]
#                [--proxy-cpus LIST] [--load-cpus LIST] [--splice] [--config FILE]
#
# --config FILE: another configuration with the same variables as
# bench/configs/haproxy.cfg (bench/gen-rules.py writes the rules benchmark's).
#
# Scenarios (--scenarios, comma-separated, default a,b,c,d,idle):
#   a     HTTP/1.1 keep-alive, 50 connections, 6-byte response
#   b     a new connection per request (wrk -H 'Connection: close'), 50 connections
#   c     1 MiB response, 10 keep-alive connections
#   d     mode tcp bulk transfer: 100 MiB responses through a `mode tcp` listener, 4 conns
#         (--splice: that listener has `option splice-auto`, for both proxies)
#   idle  --idle (9,000) client connections that send nothing: proxy RSS per connection
# Each proxy process is started fresh for every measurement; repetitions (--runs, default
# 3) are interleaved: rampart, haproxy, rampart, haproxy... Each wrk run lasts --duration
# seconds (default 10) after a --warmup run (default 1 s) that is not counted. --quick: 2 s
# runs and 1 repetition (a smoke run; --runs after it still applies).
# Both proxies are pinned with taskset to --proxy-cpus (default 0), wrk, nginx and the idle
# connection holder to --load-cpus (default 1); nbthread is --nbthread (default 1).
# --rampart defaults to a release build of this workspace (built first); --haproxy to the
# haproxy on PATH or in /usr/sbin. Installs wrk, nginx and curl with apt when missing.
# Output: per-run lines, then medians per proxy and the Rampart/HAProxy ratios as markdown;
# everything is also kept in bench/out/dataplane/ (results.tsv, summary.md, logs).
# Exit status: 0 when every run completed without errors, 1 when a proxy failed to start,
# died or answered wrongly (or a run had errors), 2 on a usage error.
set -euo pipefail

cd "$(dirname "$0")/.."
RAMPART=""
HAPROXY=""
CFG_ARG=""
RUNS=3
DURATION=10
WARMUP=1
NBTHREAD=1
IDLE=9000
SCENARIOS="a,b,c,d,idle"
PROXY_CPUS=0
LOAD_CPUS=1
runs_set=""
while [ $# -gt 0 ]; do
    case "$1" in
        --rampart) RAMPART=$2; shift 2 ;;
        --haproxy) HAPROXY=$2; shift 2 ;;
        --runs) RUNS=$2; runs_set=1; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --quick) DURATION=2; [ -n "$runs_set" ] || RUNS=1; shift ;;
        --nbthread) NBTHREAD=$2; shift 2 ;;
        --idle) IDLE=$2; shift 2 ;;
        --scenarios) SCENARIOS=$2; shift 2 ;;
        --proxy-cpus) PROXY_CPUS=$2; shift 2 ;;
        --load-cpus) LOAD_CPUS=$2; shift 2 ;;
        --splice) export SPLICE=1; shift ;;
        --config) CFG_ARG=$2; shift 2 ;;
        -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
for v in RUNS DURATION WARMUP NBTHREAD IDLE; do
    [[ ${!v} =~ ^[0-9]+$ ]] || { echo "--${v,,} takes a whole number" >&2; exit 2; }
done
[ "$RUNS" -ge 1 ] && [ "$DURATION" -ge 1 ] && [ "$NBTHREAD" -ge 1 ] ||
    { echo "--runs, --duration and --nbthread take a number >= 1" >&2; exit 2; }
SCEN=()
IFS=, read -r -a scen_args <<<"$SCENARIOS"
for s in "${scen_args[@]}"; do
    case "$s" in a|b|c|d|idle) SCEN+=("$s") ;;
        *) echo "--scenarios takes a comma-separated list of a, b, c, d, idle" >&2; exit 2 ;; esac
done
[ ${#SCEN[@]} -gt 0 ] || { echo "--scenarios is empty" >&2; exit 2; }

# ---- tools -------------------------------------------------------------------------------
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
apt_install() {
    local sudo="" policy_added="" rc=0
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    # Keep package scripts from starting services (nginx) on this machine, as .ci/run does.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
        $sudo chmod +x /usr/sbin/policy-rc.d
        policy_added=1
    fi
    echo "== apt-get install $*"
    $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 ||
        { $sudo apt-get update -qq >/dev/null 2>&1 &&
          $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1; } || rc=1
    [ -z "$policy_added" ] || $sudo rm -f /usr/sbin/policy-rc.d
    return $rc
}
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    apt_install "${need[@]}" || { echo "error: could not install ${need[*]} (apt-get install ${need[*]})" >&2; exit 1; }
fi
for t in wrk nginx curl taskset python3; do
    command -v $t >/dev/null || { echo "error: $t is needed" >&2; exit 1; }
done
[ -n "$HAPROXY" ] || HAPROXY=$(command -v haproxy || true)
[ -n "$HAPROXY" ] || { echo "error: haproxy is not installed (apt-get install haproxy)" >&2; exit 1; }
if [ -z "$RAMPART" ]; then
    echo "== building rampart (release)"
    cargo build --release -q -p rampart
    TARGET_DIR=$(cargo metadata --format-version 1 --no-deps |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    RAMPART="$TARGET_DIR/release/rampart"
fi
for b in "$RAMPART" "$HAPROXY"; do
    [ -x "$b" ] || { echo "error: $b is not an executable" >&2; exit 1; }
done
RAMPART=$(realpath "$RAMPART")
HAPROXY=$(realpath "$HAPROXY")
NCPU=$(nproc)
if [ "$NCPU" -lt 2 ] && [ "$PROXY_CPUS" = 0 ] && [ "$LOAD_CPUS" = 1 ]; then
    LOAD_CPUS=0
    echo "warning: one CPU only: proxies and load share CPU 0" >&2
fi

# ---- work space, cleanup -----------------------------------------------------------------
OUT=bench/out/dataplane
mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/results.tsv "$OUT"/summary.md
OUT=$(realpath "$OUT")
WORK=$(mktemp -d /tmp/rampart-bench.XXXXXX)
chmod 755 "$WORK"   # nginx workers run as nobody
NGINX_PID="" PROXY_PID="" HOLDER_PID=""
stop_pid() {   # stop_pid PID: TERM, up to 5 s, then KILL; reaps it
    local pid=$1 i
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop_pid "$HOLDER_PID"; stop_pid "$PROXY_PID"; stop_pid "$NGINX_PID"
    HOLDER_PID="" PROXY_PID="" NGINX_PID=""
    [ ! -f "$WORK/nginx-error.log" ] || cp "$WORK/nginx-error.log" "$OUT/nginx-error.log"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- ports, origin -----------------------------------------------------------------------
read -r HTTP_PORT TCP_PORT ORIGIN_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(3)]
for s in ss: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in ss))')
export NBTHREAD HTTP_PORT TCP_PORT ORIGIN_PORT   # read by bench/configs/haproxy.cfg
CFG=$(realpath "${CFG_ARG:-bench/configs/haproxy.cfg}")
LUA=$(realpath bench/wrk-report.lua)
HOLDER=$(realpath bench/idle-hold.py)

mkdir -p "$WORK/www" "$WORK/tmp" "$WORK/logs"
head -c 1048576 /dev/urandom >"$WORK/www/1m.bin"
head -c 104857600 /dev/urandom >"$WORK/www/100m.bin"
chmod 755 "$WORK/www" && chmod 644 "$WORK/www"/*
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
    default_type application/octet-stream;
    client_body_temp_path $WORK/tmp/body;
    proxy_temp_path $WORK/tmp/proxy;
    fastcgi_temp_path $WORK/tmp/fastcgi;
    uwsgi_temp_path $WORK/tmp/uwsgi;
    scgi_temp_path $WORK/tmp/scgi;
    server {
        listen 127.0.0.1:$ORIGIN_PORT;
        root $WORK/www;
        location = /small { default_type text/plain; return 200 "hello\n"; }
    }
}
EOF
NGINX_CMD=(taskset -c "$LOAD_CPUS" nginx -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/nginx-error.log" -g 'daemon off;')
"${NGINX_CMD[@]}" >"$WORK/nginx.out" 2>&1 &
NGINX_PID=$!
for ((i = 0; i < 50; i++)); do
    curl -fsS -o /dev/null -m 1 "http://127.0.0.1:$ORIGIN_PORT/small" 2>/dev/null && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.1
done
curl -fsS -o /dev/null -m 1 "http://127.0.0.1:$ORIGIN_PORT/small" 2>/dev/null || {
    echo "error: the nginx origin did not start:" >&2
    cat "$WORK/nginx.out" "$WORK/nginx-error.log" 2>/dev/null | tail -n 10 >&2
    exit 1
}

# ---- what runs ---------------------------------------------------------------------------
q() { local a; a=$(printf '%q ' "$@"); echo "${a% }"; }   # a command line, shell-quoted
echo "== versions"
echo "   rampart: $RAMPART: $("$RAMPART" -v 2>&1 | head -n1)"
echo "   haproxy: $HAPROXY: $("$HAPROXY" -v 2>&1 | head -n1)"
echo "   $(nginx -v 2>&1 | head -n1)"
echo "   $(wrk -v 2>&1 | head -n1)"
[ "$RAMPART" != "$HAPROXY" ] || echo "   note: both slots run the same binary: every ratio should be close to 1"
echo "== machine: $NCPU CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')), load average $(cut -d' ' -f1-3 /proc/loadavg), ulimit -n $(ulimit -n)"
echo "== pinning: proxies on CPU $PROXY_CPUS (nbthread $NBTHREAD); wrk, nginx and the idle holder on CPU $LOAD_CPUS"
[ "$NBTHREAD" -le "$(taskset -c "$PROXY_CPUS" nproc)" ] ||
    echo "   warning: nbthread $NBTHREAD > the $(taskset -c "$PROXY_CPUS" nproc) CPU(s) the proxies are pinned to (--proxy-cpus)"
echo "== ports: HTTP frontend 127.0.0.1:$HTTP_PORT, mode tcp listener 127.0.0.1:$TCP_PORT, nginx origin 127.0.0.1:$ORIGIN_PORT"
echo "== runs: $RUNS repetition(s), interleaved; wrk ${DURATION}s per run after a ${WARMUP}s warm-up; scenarios ${SCEN[*]}"
echo "== commands (config: $CFG, with NBTHREAD=$NBTHREAD HTTP_PORT=$HTTP_PORT TCP_PORT=$TCP_PORT ORIGIN_PORT=$ORIGIN_PORT${SPLICE:+ SPLICE=$SPLICE})"
echo "   origin:  $(q "${NGINX_CMD[@]}")  (config: worker_processes 1, access_log off, sendfile;"
echo "            /small returns \"hello\\n\", /1m.bin 1 MiB, /100m.bin 100 MiB)"
echo "   rampart: $(q taskset -c "$PROXY_CPUS" "$RAMPART" -f "$CFG")"
echo "   haproxy: $(q taskset -c "$PROXY_CPUS" "$HAPROXY" -f "$CFG")"
cp "$CFG" "$OUT/haproxy.cfg"

# ---- proxies -----------------------------------------------------------------------------
proxy_bin() { if [ "$1" = rampart ]; then echo "$RAMPART"; else echo "$HAPROXY"; fi; }

# start_proxy NAME LOG: starts the proxy pinned, waits until both listeners answer; on
# failure says why and returns 1. Sets PROXY_PID.
start_proxy() {
    local name=$1 log=$2 bin i rc=0
    bin=$(proxy_bin "$name")
    taskset -c "$PROXY_CPUS" "$bin" -f "$CFG" >"$log" 2>&1 &
    PROXY_PID=$!
    for ((i = 0; i < 100; i++)); do
        if ! kill -0 "$PROXY_PID" 2>/dev/null; then
            wait "$PROXY_PID" 2>/dev/null || rc=$?
            PROXY_PID=""
            echo "error: $name did not start: \`$(q "$bin" -f "$CFG")\` exited with status $rc; its output:" >&2
            grep -v '^\[NOTICE\]' "$log" | tail -n 15 | sed 's/^/    /' >&2
            return 1
        fi
        if curl -fsS -o /dev/null -m 1 "http://127.0.0.1:$HTTP_PORT/small" 2>/dev/null &&
           curl -fsS -o /dev/null -m 1 "http://127.0.0.1:$TCP_PORT/small" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "error: $name started but did not answer on 127.0.0.1:$HTTP_PORT and :$TCP_PORT within 10 s; its output:" >&2
    grep -v '^\[NOTICE\]' "$log" | tail -n 15 | sed 's/^/    /' >&2
    stop_pid "$PROXY_PID"; PROXY_PID=""
    return 1
}
stop_proxy() { stop_pid "$PROXY_PID"; PROXY_PID=""; }
proxy_alive() {
    kill -0 "$PROXY_PID" 2>/dev/null && [ -r "/proc/$PROXY_PID/stat" ] && return 0
    echo "error: $1 died during the run; its output:" >&2
    grep -v '^\[NOTICE\]' "$2" | tail -n 15 | sed 's/^/    /' >&2
    PROXY_PID=""
    return 1
}
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }   # utime + stime
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }       # VmRSS, VmHWM
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
CLK_TCK=$(getconf CLK_TCK)

# Functional check before measuring anything: right bodies through both listeners.
echo "== checking both proxies (start, /small, 1 MiB through HTTP and TCP)"
for name in rampart haproxy; do
    log="$OUT/$name-check.log"
    start_proxy "$name" "$log" || exit 1
    body=$(curl -fsS -m 5 "http://127.0.0.1:$HTTP_PORT/small" || true)
    size_http=$(curl -fsS -m 10 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$HTTP_PORT/1m.bin" || echo 0)
    size_tcp=$(curl -fsS -m 10 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$TCP_PORT/1m.bin" || echo 0)
    stop_proxy
    if [ "$body" != hello ] || [ "$size_http" != 1048576 ] || [ "$size_tcp" != 1048576 ]; then
        echo "error: $name answers wrongly: /small gave '$body' (expected 'hello')," \
             "/1m.bin gave $size_http bytes over HTTP and $size_tcp over TCP (expected 1048576)" >&2
        exit 1
    fi
    echo "   $name: ok"
done

# ---- scenarios ---------------------------------------------------------------------------
scen_label() {
    case "$1" in
        a) echo "(a) keep-alive, 50 conns, 6 B" ;;
        b) echo "(b) new connection per request, 50 conns" ;;
        c) echo "(c) 1 MiB response, 10 conns" ;;
        d) echo "(d) mode tcp bulk, 100 MiB, 4 conns" ;;
        idle) echo "idle: $IDLE client connections" ;;
    esac
}
# wrk_cmd SCENARIO DURATION -> fills WRK (the command line as an array)
wrk_cmd() {
    local conns url tmo hdr=()
    case "$1" in
        a) conns=50 url="http://127.0.0.1:$HTTP_PORT/small" tmo=5 ;;
        b) conns=50 url="http://127.0.0.1:$HTTP_PORT/small" tmo=5 hdr=(-H 'Connection: close') ;;
        c) conns=10 url="http://127.0.0.1:$HTTP_PORT/1m.bin" tmo=10 ;;
        d) conns=4 url="http://127.0.0.1:$TCP_PORT/100m.bin" tmo=30 ;;
    esac
    WRK=(taskset -c "$LOAD_CPUS" wrk -t1 -c"$conns" -d"${2}s" --timeout "${tmo}s" --latency -s "$LUA" "${hdr[@]}" "$url")
}
RESULTS="$OUT/results.tsv"
printf 'rep\tproxy\tscenario\trequests\tbytes\tduration_us\tp50_us\tp99_us\terrors\tcpu_s\tpeak_rss_kb\n' >"$RESULTS"
IDLE_RESULTS="$OUT/idle.tsv"
printf 'rep\tproxy\topened\tfds_added\trss_before_kb\trss_after_kb\tclosed_by_peer\n' >"$IDLE_RESULTS"
status=0
shown=""

# measure REP NAME SCENARIO: fresh proxy, warm-up, measured wrk run with CPU and RSS around it
measure() {
    local rep=$1 name=$2 s=$3 log="$OUT/$2-$3-$1.log" wlog="$OUT/wrk-$2-$3-$1.log" t0 t1 hwm res
    start_proxy "$name" "$log" || exit 1
    if [ "$WARMUP" -gt 0 ]; then
        wrk_cmd "$s" "$WARMUP"
        timeout $((WARMUP + 60)) "${WRK[@]}" >"$wlog.warmup" 2>&1 || true
    fi
    wrk_cmd "$s" "$DURATION"
    case " $shown " in *" $s "*) ;; *) echo "   wrk: $(q "${WRK[@]}")"; shown="$shown $s" ;; esac
    proxy_alive "$name" "$log" || exit 1
    t0=$(cpu_ticks "$PROXY_PID")
    timeout $((DURATION + 90)) "${WRK[@]}" >"$wlog" 2>&1 || true
    proxy_alive "$name" "$log" || exit 1
    t1=$(cpu_ticks "$PROXY_PID")
    hwm=$(status_kb "$PROXY_PID" VmHWM)
    stop_proxy
    res=$(grep -m1 '^RESULT ' "$wlog" || true)
    if [ -z "$res" ]; then
        echo "error: wrk gave no result against $name; its output:" >&2
        tail -n 10 "$wlog" | sed 's/^/    /' >&2
        exit 1
    fi
    python3 - "$rep" "$name" "$s" "$res" "$((t1 - t0))" "$CLK_TCK" "$hwm" >>"$RESULTS" <<'PY'
import sys
rep, name, s, res, ticks, tck, hwm = sys.argv[1:8]
f = dict(kv.split("=") for kv in res.split()[1:])
errors = sum(int(f[k]) for k in f if k.startswith("err_"))
print("\t".join([rep, name, s, f["requests"], f["bytes"], f["duration_us"], f["p50_us"],
                 f["p99_us"], str(errors), "%.2f" % (int(ticks) / int(tck)), hwm]))
PY
    tail -n1 "$RESULTS" | python3 -c '
import sys
r = sys.stdin.read().split("\t")
req, byt, dur, p50, p99, err, cpu, hwm = int(r[3]), int(r[4]), int(r[5]), int(r[6]), int(r[7]), int(r[8]), float(r[9]), int(r[10])
sec = dur / 1e6
print("   %-8s %-5s %10.0f req/s %9.1f MB/s  p50 %8.2f ms  p99 %8.2f ms  cpu %6.2f s (%3.0f%%)  peak RSS %7.1f MiB%s"
      % (r[1], r[2], req / sec, byt / sec / 1e6, p50 / 1e3, p99 / 1e3, cpu, 100 * cpu / sec, hwm / 1024,
         "  ERRORS: %d" % err if err else ""))'
    if [ "$(tail -n1 "$RESULTS" | cut -f9)" != 0 ]; then
        status=1
        echo "   warning: wrk counted errors against $name (socket errors, non-2xx/3xx or timeouts): see $wlog" >&2
    fi
}

# measure_idle REP NAME: fresh proxy, one request, RSS before/after IDLE silent connections
measure_idle() {
    local rep=$1 name=$2 log="$OUT/$2-idle-$1.log" hout="$WORK/hold-$2-$1.out"
    local before after fd0 fd1 opened="" closed i
    start_proxy "$name" "$log" || exit 1
    curl -fsS -o /dev/null -m 5 "http://127.0.0.1:$HTTP_PORT/small" || true
    sleep 0.5
    before=$(status_kb "$PROXY_PID" VmRSS)
    fd0=$(fd_count "$PROXY_PID")
    [ -n "$shown_idle" ] || { echo "   holder: $(q taskset -c "$LOAD_CPUS" python3 "$HOLDER" 127.0.0.1 "$HTTP_PORT" "$IDLE" --hold 50)"; shown_idle=1; }
    taskset -c "$LOAD_CPUS" python3 "$HOLDER" 127.0.0.1 "$HTTP_PORT" "$IDLE" --hold 50 >"$hout" 2>&1 &
    HOLDER_PID=$!
    for ((i = 0; i < 400; i++)); do   # connecting: 40 s at most (the holder gives up at 30 s)
        opened=$(awk '$1 == "open" {print $2}' "$hout")
        [ -z "$opened" ] || break
        kill -0 "$HOLDER_PID" 2>/dev/null || break
        sleep 0.1
    done
    if [ -z "$opened" ]; then
        echo "error: the idle connection holder failed:" >&2; tail -n 5 "$hout" >&2; exit 1
    fi
    for ((i = 0; i < 100; i++)); do   # until the proxy holds them all (10 s at most)
        proxy_alive "$name" "$log" || exit 1
        fd1=$(fd_count "$PROXY_PID")
        [ "$((fd1 - fd0))" -lt "$opened" ] || break
        sleep 0.1
    done
    sleep 1
    proxy_alive "$name" "$log" || exit 1
    after=$(status_kb "$PROXY_PID" VmRSS)
    fd1=$(fd_count "$PROXY_PID")
    stop_pid "$HOLDER_PID"; HOLDER_PID=""
    closed=$(awk '$1 == "closed_by_peer" {print $2}' "$hout")
    stop_proxy
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$name" "$opened" "$((fd1 - fd0))" "$before" "$after" "${closed:-?}" >>"$IDLE_RESULTS"
    awk -v n="$name" -v o="$opened" -v f="$((fd1 - fd0))" -v b="$before" -v a="$after" -v c="${closed:-?}" 'BEGIN {
        printf "   %-8s idle  %d connections open (proxy +%d fds), VmRSS %.1f -> %.1f MiB: %.2f kB per connection%s\n",
            n, o, f, b / 1024, a / 1024, o ? (a - b) / o : 0, (c == "0") ? "" : "  (" c " closed by the proxy during the hold)" }'
    if [ "$opened" -lt "$IDLE" ] || [ "$((fd1 - fd0))" -lt "$opened" ] || [ "${closed:-?}" != 0 ]; then
        status=1
        echo "   warning: $name did not hold all $IDLE idle connections (opened $opened, proxy fds +$((fd1 - fd0)), closed by peer ${closed:-?})" >&2
    fi
}
shown_idle=""

for ((rep = 1; rep <= RUNS; rep++)); do
    echo "== repetition $rep/$RUNS"
    for s in "${SCEN[@]}"; do
        for name in rampart haproxy; do
            if [ "$s" = idle ]; then measure_idle "$rep" "$name"; else measure "$rep" "$name" "$s"; fi
        done
    done
done

# ---- summary -----------------------------------------------------------------------------
echo
python3 - "$RESULTS" "$IDLE_RESULTS" "$RUNS" "$IDLE" "$OUT/summary.md" <<'PY'
import csv, statistics, sys
res_path, idle_path, runs, idle_n, md_path = sys.argv[1:6]
LABEL = {
    "a": "(a) keep-alive, 50 conns, 6 B",
    "b": "(b) new connection per request, 50 conns",
    "c": "(c) 1 MiB response, 10 conns",
    "d": "(d) mode tcp bulk, 100 MiB, 4 conns",
}
rows = list(csv.DictReader(open(res_path), delimiter="\t"))
idle = list(csv.DictReader(open(idle_path), delimiter="\t"))
med = statistics.median
out = []
w = out.append

def stats(scen, proxy):
    rs = [r for r in rows if r["scenario"] == scen and r["proxy"] == proxy]
    if not rs:
        return None
    sec = [int(r["duration_us"]) / 1e6 for r in rs]
    return {
        "rps": med(int(r["requests"]) / s for r, s in zip(rs, sec)),
        "mbs": med(int(r["bytes"]) / s / 1e6 for r, s in zip(rs, sec)),
        "p50": med(int(r["p50_us"]) / 1e3 for r in rs),
        "p99": med(int(r["p99_us"]) / 1e3 for r in rs),
        # CPU per 100k requests, and per GB moved (the bulk scenario's measure)
        "cpu_req": med(float(r["cpu_s"]) / max(int(r["requests"]), 1) * 1e5 for r in rs),
        "cpu_gb": med(float(r["cpu_s"]) / max(int(r["bytes"]), 1) * 1e9 for r in rs),
        "rss": max(int(r["peak_rss_kb"]) for r in rs) / 1024,
        "errors": sum(int(r["errors"]) for r in rs),
        "n": len(rs),
    }

def idle_stats(proxy):
    rs = [r for r in idle if r["proxy"] == proxy]
    if not rs:
        return None
    return {
        "kb": med((int(r["rss_after_kb"]) - int(r["rss_before_kb"])) / max(int(r["opened"]), 1) for r in rs),
        "before": med(int(r["rss_before_kb"]) for r in rs) / 1024,
        "after": med(int(r["rss_after_kb"]) for r in rs) / 1024,
        "opened": min(int(r["opened"]) for r in rs),
    }

def ratio(a, b):
    return "%.2fx" % (a / b) if b else "n/a"

scens = [s for s in "abcd" if any(r["scenario"] == s for r in rows)]
w("Medians over %s repetition(s) (peak RSS: the largest VmHWM); CPU = utime + stime of the proxy process during the run." % runs)
w("")
w("| scenario | proxy | req/s | MB/s | p50 ms | p99 ms | CPU s / 100k req | CPU s / GB | peak RSS MiB |")
w("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for s in scens:
    for p in ("rampart", "haproxy"):
        st = stats(s, p)
        if st:
            # CPU per 100k requests where requests are many, per GB where bytes are
            cpu_req = "%.2f" % st["cpu_req"] if s != "d" else "-"
            cpu_gb = "%.2f" % st["cpu_gb"] if s in "cd" else "-"
            w("| %s | %s | %.0f | %.1f | %.2f | %.2f | %s | %s | %.1f |%s" % (
                LABEL[s], p, st["rps"], st["mbs"], st["p50"], st["p99"], cpu_req,
                cpu_gb, st["rss"], " errors: %d" % st["errors"] if st["errors"] else ""))
ir, ih = idle_stats("rampart"), idle_stats("haproxy")
if ir and ih:
    w("")
    w("| idle connections (%s, silent) | VmRSS before MiB | VmRSS after MiB | kB per connection |" % idle_n)
    w("|---|---:|---:|---:|")
    for p, st in (("rampart", ir), ("haproxy", ih)):
        w("| %s | %.1f | %.1f | %.2f |" % (p, st["before"], st["after"], st["kb"]))
w("")
w("Rampart / HAProxy (req/s: higher is better; p99, CPU, RSS: lower is better; CPU is per 100k requests, per GB for the bulk transfer):")
w("")
w("| scenario | req/s | p99 | CPU | peak RSS |")
w("|---|---:|---:|---:|---:|")
for s in scens:
    r, h = stats(s, "rampart"), stats(s, "haproxy")
    if r and h:
        cpu = "cpu_gb" if s == "d" else "cpu_req"
        w("| %s | %s | %s | %s | %s |" % (LABEL[s], ratio(r["rps"], h["rps"]), ratio(r["p99"], h["p99"]),
                                          ratio(r[cpu], h[cpu]), ratio(r["rss"], h["rss"])))
if ir and ih:
    w("| idle: RSS per connection (%s) | | | | %s |" % (idle_n, ratio(ir["kb"], ih["kb"])))
text = "\n".join(out) + "\n"
open(md_path, "w").write(text)
print(text, end="")
PY
echo
echo "(results: $OUT/results.tsv, $OUT/idle.tsv, $OUT/summary.md; logs in $OUT)"
exit $status
