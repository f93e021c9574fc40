#!/usr/bin/env bash
# Runs HAProxy's regression tests (the reg-tests/*.vtc files of Debian's haproxy source
# package, see fetch.sh) with varnishtest against a program with HAProxy's command line
# (rampart, or haproxy itself for a baseline), and holds it to the ratchet list.
#
#   tests/regtests/run.sh [--program PATH] [--list must-pass|all] [--jobs N] [FILTER...]
#
#   --program PATH     the binary under test (default: $HAPROXY_PROGRAM, else the repo's
#                      target/release/rampart)
#   --list must-pass   run only the tests named in must-pass.txt (default)
#   --list all         run every test (or every test FILTER selects) and report
#   --jobs N           tests run in parallel (default 2)
#   --timeout S        varnishtest's per-test bound, -t (default 10, as HAProxy's runner)
#   --global-timeout S no test starts after S seconds (default 1200); tests not started
#                      count as failed
#   --retries N        a failing test is run again up to N times (default 1): some of
#                      HAProxy's own tests are racy (http-messaging/h1_host_normalization
#                      fails ~20% of runs with haproxy itself); a pass on a retry counts as
#                      a pass and is reported as FLAKY
#   --types LIST       REGTEST_TYPE values run (default default,bug,devel,slow, as HAProxy's
#                      runner; "any" runs all); other types count as skipped
#   --src DIR          unpacked haproxy source tree (default: $RAMPART_REGTESTS_SRC, else
#                      what fetch.sh prints, fetching when not cached)
#   --must-pass FILE   the ratchet list (default: must-pass.txt beside this script)
#   --results FILE     per-test results, TSV: test, status (pass/fail/skip), seconds, detail
#                      (default: results.tsv in the run directory)
#   --clean            remove the logs at the end even when a test did not pass (they
#                      are removed anyway when all passed); the run directory goes too
#                      when --results points elsewhere
#   FILTER             a test path relative to reg-tests/ or a prefix of one, e.g.
#                      http-messaging/ or connection/dispatch.vtc; several are OR-ed
#
# Like HAProxy's scripts/run-regtests.sh (reimplemented, not copied): HAPROXY_PROGRAM and
# HAPROXY_ARGS (default -dM) are exported for varnishtest, TMPDIR points at a fresh run
# directory, the #REQUIRE_VERSION=, #REQUIRE_VERSION_BELOW=, #REQUIRE_OPTION(S)=,
# #REQUIRE_SERVICE(S)=, #REQUIRE_BINARIES=, #EXCLUDE_TARGET(S)= and #REGTEST_TYPE= headers
# are checked against the program's `-vv` output, and varnishtest runs with
# -b 2M -k -l -t <timeout>, from the source tree's root. Each test runs in its own
# varnishtest process, so each gets its own status and time.
#
# A test counts as passed only when varnishtest passes it: skipped tests (a header the
# program does not meet, or varnishtest's exit 77 from a `feature cmd` such as
# "$HAPROXY_PROGRAM -cc 'feature(OPENSSL)'") are NOT passed.
#
# Prints one line per test, then `folder: passed/total (skipped S, failed F)` per folder and
# a total, then the tests that pass but are not in must-pass.txt ("add these to the
# ratchet"). Exit status: 1 when a selected test of must-pass.txt did not pass (failed,
# skipped, missing, or not started before the global bound), 2 on usage or setup errors,
# else 0; in --list all mode the other tests never fail the run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 2; }

program="${HAPROXY_PROGRAM:-}"
list_mode="must-pass"
jobs=2
per_test_timeout=10
global_timeout=1200
retries=1
types="default,bug,devel,slow"
src="${RAMPART_REGTESTS_SRC:-}"
must_pass_file="$here/must-pass.txt"
results=""
clean=""
filters=()
while [ $# -gt 0 ]; do
    case "$1" in
        --program) program="${2:?--program needs a path}"; shift 2 ;;
        --list) list_mode="${2:?--list needs must-pass or all}"; shift 2 ;;
        --jobs|-j) jobs="${2:?--jobs needs a number}"; shift 2 ;;
        --timeout) per_test_timeout="${2:?--timeout needs seconds}"; shift 2 ;;
        --global-timeout) global_timeout="${2:?--global-timeout needs seconds}"; shift 2 ;;
        --retries) retries="${2:?--retries needs a number}"; shift 2 ;;
        --types) types="${2:?--types needs a list}"; shift 2 ;;
        --src) src="${2:?--src needs a directory}"; shift 2 ;;
        --must-pass) must_pass_file="${2:?--must-pass needs a file}"; shift 2 ;;
        --results) results="${2:?--results needs a file}"; shift 2 ;;
        --clean) clean=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) filters+=("$1"); shift ;;
    esac
done
case "$list_mode" in must-pass|all) ;; *) die "--list must be must-pass or all" ;; esac
[[ "$retries" =~ ^[0-9]+$ ]] || die "--retries needs a number"
for n in "$jobs" "$per_test_timeout" "$global_timeout"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "'$n' is not a positive number"
done

# haproxy, socat and varnishd live in sbin directories, which a non-root PATH may lack.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

# --- the program, varnishtest and the tests -----------------------------------------------

if [ -z "$program" ]; then
    program="$repo/target/release/rampart"
    [ -x "$program" ] || die "no --program given and $program does not exist (cargo build --release)"
fi
if [[ "$program" != */* ]]; then
    program="$(command -v "$program")" || die "program not found in PATH"
fi
[ -x "$program" ] || die "$program is not an executable file"
program="$(cd "$(dirname "$program")" && pwd)/$(basename "$program")"

vtest="${VTEST_PROGRAM:-varnishtest}"
command -v "$vtest" >/dev/null 2>&1 ||
    die "$vtest not found: install Debian's varnish package (apt-get install varnish)"
command -v timeout >/dev/null 2>&1 || die "timeout (coreutils) not found"

if [ -z "$src" ]; then
    src="$(bash "$here/fetch.sh")" || die "fetch.sh failed"
fi
[ -d "$src/reg-tests" ] || die "$src has no reg-tests/ (run fetch.sh, or pass --src)"
src="$(cd "$src" && pwd)"

export HAPROXY_PROGRAM="$program"
export HAPROXY_ARGS="${HAPROXY_ARGS--dM}"

# What the program says it is: version, target, features, services (as HAProxy's runner).
vv="$("$program" ${HAPROXY_ARGS:+$HAPROXY_ARGS} -vv 2>&1)" || die "$program -vv failed: $vv"
prog_version="$(sed -n 's/^HA-\{0,1\}Proxy version \([^ ]*\).*/\1/p' <<<"$vv" | head -n1)"
prog_target="$(sed -n 's/^ *TARGET *= *//p' <<<"$vv" | head -n1)"
prog_features=" $(sed -n 's/^Feature list : //p' <<<"$vv" | head -n1) "
prog_services=" $(sed -n 's/^Available services : //p' <<<"$vv" | head -n1) "
[ -n "$prog_version" ] || die "$program -vv does not print 'HAProxy version ...'"

# Versions as comparable integers: up to 4 components, leading digits of each, base 1000.
vnum() {
    local IFS=. out=0 i n
    local -a parts
    read -r -a parts <<<"$1"
    for i in 0 1 2 3; do
        n="${parts[i]:-0}"; n="${n%%[!0-9]*}"
        out=$((out * 1000 + 10#${n:-0}))
    done
    echo "$out"
}
prog_vnum="$(vnum "$prog_version")"

cd "$src"
mapfile -t all_tests < <(cd reg-tests && find . -name '*.vtc' -type f | sed 's|^\./||' | LC_ALL=C sort)

declare -A on_list=()
listed=()
if [ -f "$must_pass_file" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
        line="${line%%#*}"; line="${line//[[:space:]]/}"; line="${line#reg-tests/}"
        [ -n "$line" ] || continue
        [ -z "${on_list[$line]:-}" ] || continue
        on_list[$line]=1
        listed+=("$line")
    done <"$must_pass_file"
elif [ "$list_mode" = must-pass ]; then
    die "$must_pass_file does not exist"
fi

selected() {  # does a FILTER select $1 (no FILTER selects everything)?
    [ ${#filters[@]} -gt 0 ] || return 0
    local f
    for f in "${filters[@]}"; do
        f="${f#./}"; f="${f#reg-tests/}"
        # shellcheck disable=SC2053
        [[ "$1" == "$f"* || "$1" == $f ]] && return 0
    done
    return 1
}

tests=()
if [ "$list_mode" = must-pass ]; then
    for t in "${listed[@]}"; do selected "$t" && tests+=("$t"); done
else
    for t in "${all_tests[@]}"; do selected "$t" && tests+=("$t"); done
    [ ${#filters[@]} -eq 0 ] || [ ${#tests[@]} -gt 0 ] || die "no test matches ${filters[*]}"
fi

# --- the run directory --------------------------------------------------------------------

# varnishtest puts UNIX sockets under TMPDIR (108-byte limit): keep the run directory short.
base="${TMPDIR:-/tmp}"
[ ${#base} -le 40 ] && [ -d "$base" ] && [ -w "$base" ] || base=/tmp
rundir="$(mktemp -d "$base/rampart-regtests.XXXXXX")"
mkdir -p "$rundir/logs" "$rundir/status" "$rundir/vtc"
[ -n "$results" ] || results="$rundir/results.tsv"
export TMPDIR="$rundir/vtc"

echo "== regtests: $(head -n1 <<<"$vv")"
echo "   program $program, HAPROXY_ARGS='$HAPROXY_ARGS'"
echo "   target $prog_target; features:$prog_features"
echo "   tests from $src ($(cat "$src/.rampart-source-version" 2>/dev/null || echo 'unknown version'))"
echo "   list $list_mode (${#listed[@]} in $(basename "$must_pass_file")), ${#tests[@]} selected, jobs $jobs, -t $per_test_timeout, retries $retries, global bound ${global_timeout}s"
echo "   run directory $rundir"

# --- why a test is skipped before it runs (empty: it runs) -------------------------------

declare -A type_ok=()
IFS=, read -r -a type_list <<<"$types"
for ty in "${type_list[@]}"; do type_ok[$ty]=1; done

skip_reason() {  # $1: test path relative to reg-tests/
    local file="reg-tests/$1" line key v
    local req_version="" req_below="" req_options="" req_services="" req_binaries=""
    local excl_targets="" regtest_type=""
    while IFS= read -r line; do
        key="${line%%=*}"; v="${line#*=}"; v="${v%$'\r'}"
        case "$key" in
            '#REQUIRE_VERSION') req_version="$v" ;;
            '#REQUIRE_VERSION_BELOW') req_below="$v" ;;
            '#REQUIRE_OPTIONS') req_options="$req_options,$v" ;;
            '#REQUIRE_OPTION') req_options="$req_options,${v%%,*}" ;;
            '#REQUIRE_SERVICES') req_services="$req_services,$v" ;;
            '#REQUIRE_SERVICE') req_services="$req_services,${v%%,*}" ;;
            '#REQUIRE_BINARIES') req_binaries="$req_binaries,$v" ;;
            '#EXCLUDE_TARGETS') excl_targets="$excl_targets,$v" ;;
            '#EXCLUDE_TARGET') excl_targets="$excl_targets,${v%%,*}" ;;
            '#REGTEST_TYPE') regtest_type="$v" ;;
        esac
    done < <(grep -E '^#[0-9A-Z_]*=' "$file" || true)

    local IFS=, item alt found
    regtest_type="${regtest_type:-default}"
    if [ -z "${type_ok[any]:-}" ] && [ -z "${type_ok[$regtest_type]:-}" ]; then
        echo "REGTEST_TYPE=$regtest_type"; return
    fi
    if [ -n "$req_version" ] && [ "$prog_vnum" -lt "$(vnum "$req_version")" ]; then
        echo "REQUIRE_VERSION=$req_version"; return
    fi
    if [ -n "$req_below" ] && [ "$prog_vnum" -ge "$(vnum "$req_below")" ]; then
        echo "REQUIRE_VERSION_BELOW=$req_below"; return
    fi
    for item in $excl_targets; do
        item="${item//[[:space:]]/}"
        if [ -n "$item" ] && [ "$item" = "$prog_target" ]; then echo "EXCLUDE_TARGETS=$item"; return; fi
    done
    for item in $req_options; do
        item="${item//[[:space:]]/}"; [ -n "$item" ] || continue
        found=""
        for alt in ${item//|/,}; do [[ "$prog_features" == *" +$alt "* ]] && found=1; done
        [ -n "$found" ] || { echo "REQUIRE_OPTIONS=$item"; return; }
    done
    for item in $req_services; do
        item="${item//[[:space:]]/}"; [ -n "$item" ] || continue
        found=""
        for alt in ${item//|/,}; do [[ "$prog_services" == *" $alt "* ]] && found=1; done
        [ -n "$found" ] || { echo "REQUIRE_SERVICES=$item"; return; }
    done
    for item in $req_binaries; do
        item="${item//[[:space:]]/}"; [ -n "$item" ] || continue
        command -v "$item" >/dev/null 2>&1 || { echo "REQUIRE_BINARIES=$item"; return; }
    done
}

# --- running ------------------------------------------------------------------------------

key_of() { local k="${1//\//__}"; echo "${k%.vtc}"; }

record() {  # test status seconds detail
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >"$rundir/status/$(key_of "$1")"
    printf '%-4s %7ss  %s%s\n' "$2" "$3" "$1" "${4:+  ($4)}"
}

run_one() {  # $1: test path relative to reg-tests/
    local t="$1" log try=0 rc t0 t1 status detail secs
    log="$rundir/logs/$(key_of "$t").log"
    t0="${EPOCHREALTIME/./}"
    while :; do
        rc=0
        timeout -k 5 "$((per_test_timeout + 30))" \
            "$vtest" -b $((2 << 20)) -k -l -t "$per_test_timeout" -Dno-htx= \
            -Dhaproxy_version="$prog_version" "reg-tests/$t" >"$log" 2>&1 </dev/null || rc=$?
        if [ "$rc" -eq 0 ] && grep -q "^#  *top  *TEST .* passed" "$log"; then
            status=pass; detail=""; rm -f "$log"
            [ "$try" -eq 0 ] ||
                detail="FLAKY: passed on try $((try + 1)); failed try: ${log%.log}.try1.log"
        elif [ "$rc" -eq 77 ] || grep -q "^#  *top  *TEST .* skipped" "$log"; then
            status=skip; detail="varnishtest skipped it: a 'feature' line is not met"; rm -f "$log"
        elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            status=fail; detail="killed after $((per_test_timeout + 30))s; log $log"
        else
            status=fail; detail="varnishtest exit $rc; log $log"
        fi
        [ "$status" = fail ] && [ "$try" -lt "$retries" ] || break
        try=$((try + 1))
        mv "$log" "${log%.log}.try$try.log"
    done
    t1="${EPOCHREALTIME/./}"
    secs="$(printf '%d.%02d' $(((t1 - t0) / 1000000)) $(((t1 - t0) % 1000000 / 10000)))"
    record "$t" "$status" "$secs" "$detail"
}

started_at="$SECONDS"
running=0
stopped=""
for t in "${tests[@]}"; do
    if [ ! -f "reg-tests/$t" ]; then
        record "$t" fail 0.00 "no such test in $src/reg-tests"
        continue
    fi
    why="$(skip_reason "$t")"
    if [ -n "$why" ]; then
        record "$t" skip 0.00 "$why"
        continue
    fi
    while [ "$running" -ge "$jobs" ]; do
        wait -n || true
        running=$((running - 1))
    done
    if [ -n "$stopped" ] || [ $((SECONDS - started_at)) -ge "$global_timeout" ]; then
        stopped=1
        record "$t" fail 0.00 "not run: global bound of ${global_timeout}s reached"
        continue
    fi
    run_one "$t" &
    running=$((running + 1))
done
wait

# --- the report ---------------------------------------------------------------------------

printf 'test\tstatus\tseconds\tdetail\n' >"$results"
for t in "${tests[@]}"; do
    cat "$rundir/status/$(key_of "$t")" 2>/dev/null ||
        printf '%s\tfail\t0.00\tno result recorded\n' "$t"
done >>"$results"

echo
echo "== summary per folder: passed/total (skipped, failed)"
declare -A f_total=() f_pass=() f_skip=() f_fail=()
folders=()
n_total=0 n_pass=0 n_skip=0 n_fail=0
regressions=()
newly_passing=()
flaky=()
while IFS=$'\t' read -r t status secs detail; do
    [ "$t" != test ] || continue
    folder="$(dirname "$t")"
    [ -n "${f_total[$folder]:-}" ] || { folders+=("$folder"); f_total[$folder]=0; f_pass[$folder]=0; f_skip[$folder]=0; f_fail[$folder]=0; }
    f_total[$folder]=$((f_total[$folder] + 1)); n_total=$((n_total + 1))
    case "$status" in
        pass) f_pass[$folder]=$((f_pass[$folder] + 1)); n_pass=$((n_pass + 1)) ;;
        skip) f_skip[$folder]=$((f_skip[$folder] + 1)); n_skip=$((n_skip + 1)) ;;
        *) f_fail[$folder]=$((f_fail[$folder] + 1)); n_fail=$((n_fail + 1)) ;;
    esac
    [[ "$detail" != FLAKY* ]] || flaky+=("$t: $detail")
    if [ -n "${on_list[$t]:-}" ] && [ "$status" != pass ]; then
        regressions+=("$t: $status${detail:+ ($detail)}")
    elif [ -z "${on_list[$t]:-}" ] && [ "$status" = pass ]; then
        newly_passing+=("$t")
    fi
done <"$results"
mapfile -t folders < <(printf '%s\n' "${folders[@]}" | LC_ALL=C sort | sed '/^$/d')
for folder in "${folders[@]}"; do
    printf '%s: %d/%d (skipped %d, failed %d)\n' "$folder" "${f_pass[$folder]}" \
        "${f_total[$folder]}" "${f_skip[$folder]}" "${f_fail[$folder]}"
done
printf 'total: %d/%d (skipped %d, failed %d)\n' "$n_pass" "$n_total" "$n_skip" "$n_fail"
echo "results: $results"

if [ ${#newly_passing[@]} -gt 0 ]; then
    echo
    echo "== passing but not in $(basename "$must_pass_file") (add these to the ratchet):"
    printf '%s\n' "${newly_passing[@]}"
fi

if [ ${#flaky[@]} -gt 0 ]; then
    echo
    echo "== flaky (failed, then passed on a retry):"
    printf '  %s\n' "${flaky[@]}"
fi

status=0
if [ ${#regressions[@]} -gt 0 ]; then
    status=1
    echo
    echo "== FAILED: ${#regressions[@]} test(s) of $(basename "$must_pass_file") did not pass:"
    for r in "${regressions[@]}"; do
        echo "  $r"
        log="$rundir/logs/$(key_of "${r%%:*}").log"
        [ -f "$log" ] || continue
        # varnishtest's failure lines, then what the program said ([ALERT]/[WARNING]).
        grep -E -- '^(----|\*    diag)' "$log" | head -n 20 | sed 's/^/      /' || true
        grep -E -- 'debug\|.*\[(ALERT|WARNING)\]' "$log" | head -n 10 | sed 's/^/      /' || true
    done
fi
# Logs stay when something did not pass (unless --clean); the directory goes when empty.
if [ -n "$clean" ] || { [ "$n_fail" -eq 0 ] && [ "$n_skip" -eq 0 ] && [ ${#flaky[@]} -eq 0 ]; }; then
    rm -rf "$rundir/vtc" "$rundir/logs" "$rundir/status"
    rmdir "$rundir" 2>/dev/null || true
fi
[ "$status" -ne 0 ] || echo "== regtests: ok (no test of $(basename "$must_pass_file") failed)"
exit "$status"
