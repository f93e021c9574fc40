#!/usr/bin/env bash
# Fetches HAProxy's regression tests (reg-tests/*.vtc) from Debian's haproxy source package
# for the installed haproxy version, unpacked with the Debian patches applied, into a cache
# directory; prints that directory (the source tree's root) on stdout, everything else goes
# to stderr. Idempotent: a complete cached tree is reused without touching the network.
#
#   tests/regtests/fetch.sh [--version DEBIAN_VERSION] [--cache-root DIR]
#
#   --version     Debian version of the source package (default: the installed haproxy's,
#                 from dpkg-query, e.g. 2.6.12-1+deb12u4)
#   --cache-root  where source trees are kept (default: $RAMPART_REGTESTS_CACHE, else
#                 ${XDG_CACHE_HOME:-$HOME/.cache}/rampart); the tree goes to
#                 <cache-root>/haproxy-src-<version> ('+', ':', '~' become '_')
#
# How: `apt-get source --download-only haproxy=<version>` in a temporary directory, then
# `dpkg-source -x`. apt needs a deb-src entry: when the source index knows no haproxy, this
# script adds /etc/apt/sources.list.d/rampart-deb-src.sources (deb822, the distribution's
# main suite taken from /etc/os-release, with sudo when not root) and runs `apt-get update`
# for that file only. When apt cannot provide the exact version (e.g. a security update
# whose source is only in the -security suite), the .dsc and its files are downloaded with
# curl from the Debian pools; when that fails too, the newest source of the same upstream
# version that apt knows is used and a warning names the version actually unpacked (kept in
# <tree>/.rampart-source-version).
#
# Needs: apt, dpkg-dev (dpkg-source; without it the tarballs are unpacked and the quilt
# series applied with `patch`), curl for the fallback.
set -euo pipefail

log() { printf 'fetch.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

version=""
cache_root="${RAMPART_REGTESTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rampart}"
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version="${2:?--version needs a value}"; shift 2 ;;
        --cache-root) cache_root="${2:?--cache-root needs a value}"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 0 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

if [ -z "$version" ]; then
    version="$(dpkg-query -W -f='${Version}' haproxy 2>/dev/null || true)"
    [ -n "$version" ] || die "haproxy is not installed (apt-get install haproxy), or pass --version"
fi
upstream="${version#*:}"        # drop the epoch
upstream="${upstream%-*}"       # drop the Debian revision
# Only [A-Za-z0-9._-] in the name: tests match file paths with regexes (`expect ~`), where
# the '+' of a Debian version such as 2.6.12-1+deb12u4 would break them.
dest="$cache_root/haproxy-src-$(printf '%s' "$version" | tr -c 'A-Za-z0-9._-' '_')"

if [ -f "$dest/.rampart-fetched" ] && [ -d "$dest/reg-tests" ]; then
    printf '%s\n' "$dest"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo: cannot add the deb-src entry"
    SUDO="sudo -n"
fi

mkdir -p "$cache_root"
# One fetch at a time per cache (parallel test runs); the winner's tree serves the others.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache_root/.fetch.lock"
    flock -w 900 9 || die "timed out waiting for another fetch.sh ($cache_root/.fetch.lock)"
    if [ -f "$dest/.rampart-fetched" ] && [ -d "$dest/reg-tests" ]; then
        printf '%s\n' "$dest"
        exit 0
    fi
fi
work="$(mktemp -d "$cache_root/.fetch-XXXXXX")"
trap 'rm -rf "$work"' EXIT

# --- the source index -------------------------------------------------------------------

source_versions() {
    apt-cache showsrc haproxy 2>/dev/null | sed -n 's/^Version: //p' || true
}

has_deb_src_entry() {
    grep -Eqs '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
        grep -Eqis '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources
}

ensure_deb_src() {
    [ -z "$(source_versions)" ] || return 0
    if has_deb_src_entry; then
        log "apt has a deb-src entry but no haproxy source in its index: apt-get update"
        $SUDO apt-get update -qq >&2 || die "apt-get update failed"
    else
        # shellcheck disable=SC1091
        . /etc/os-release
        [ "${ID:-}" = debian ] || die "not Debian (ID=${ID:-?}): add a deb-src entry for haproxy yourself"
        local suite="${VERSION_CODENAME:-}"
        [ -n "$suite" ] || die "no VERSION_CODENAME in /etc/os-release"
        local file=/etc/apt/sources.list.d/rampart-deb-src.sources
        log "no deb-src entry in apt's sources: adding $file (deb-src $suite main)"
        printf '%s\n' \
            "# Added by rampart tests/regtests/fetch.sh: HAProxy's reg-tests come from the source package." \
            "Types: deb-src" \
            "URIs: http://deb.debian.org/debian" \
            "Suites: $suite" \
            "Components: main" \
            "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" |
            $SUDO tee "$file" >/dev/null || die "cannot write $file (needs root or passwordless sudo)"
        log "apt-get update (for $file only)"
        $SUDO apt-get update -qq -o Dir::Etc::SourceList="$file" -o Dir::Etc::SourceParts=- \
            -o APT::Get::List-Cleanup=0 >&2 ||
            $SUDO apt-get update -qq >&2 || die "apt-get update failed"
    fi
    [ -n "$(source_versions)" ] || die "apt still knows no source for haproxy (deb-src entry and apt-get update done)"
}

# --- downloads ----------------------------------------------------------------------------

apt_download() {  # $1: version; leaves haproxy_*.dsc and its files in $work/dl
    rm -rf "$work/dl"; mkdir -p "$work/dl"
    (cd "$work/dl" && apt-get source --download-only -qq "haproxy=$1" >&2) 2>&1 |
        grep -v 'unsandboxed as root' >&2 || true
    ls "$work/dl"/haproxy_*.dsc >/dev/null 2>&1
}

pool_download() {  # $1: version
    local v="${1#*:}" base dsc f
    rm -rf "$work/dl"; mkdir -p "$work/dl"
    command -v curl >/dev/null 2>&1 || { log "curl missing: no pool download"; return 1; }
    for base in https://deb.debian.org/debian/pool/main/h/haproxy \
                https://deb.debian.org/debian-security/pool/updates/main/h/haproxy \
                https://security.debian.org/debian-security/pool/updates/main/h/haproxy; do
        dsc="haproxy_${v}.dsc"
        if curl -fsSL --retry 2 -m 60 -o "$work/dl/$dsc" "$base/${dsc//+/%2B}" 2>/dev/null; then
            log "downloading from $base"
            # The files listed under Checksums-Sha256 (dpkg-source checks them).
            for f in $(awk '/^Checksums-Sha256:/{on=1;next} /^[^ ]/{on=0} on{print $3}' "$work/dl/$dsc"); do
                curl -fsSL --retry 2 -m 300 -o "$work/dl/$f" "$base/${f//+/%2B}" ||
                    { log "cannot download $base/$f"; return 1; }
            done
            return 0
        fi
    done
    rm -f "$work/dl/$dsc"
    return 1
}

# --- unpacking ----------------------------------------------------------------------------

unpack() {  # unpacks $work/dl/*.dsc into $work/src
    local dsc
    dsc="$(ls "$work/dl"/haproxy_*.dsc | head -n1)"
    if command -v dpkg-source >/dev/null 2>&1; then
        dpkg-source --no-copy -x "$dsc" "$work/src" >&2 || die "dpkg-source -x $dsc failed"
        return
    fi
    log "dpkg-source missing (package dpkg-dev): unpacking by hand"
    command -v patch >/dev/null 2>&1 || die "neither dpkg-source nor patch: apt-get install dpkg-dev"
    mkdir -p "$work/src"
    tar -C "$work/src" --strip-components=1 -xf "$(ls "$work/dl"/haproxy_*.orig.tar.* | head -n1)"
    tar -C "$work/src" -xf "$(ls "$work/dl"/haproxy_*.debian.tar.* | head -n1)"
    local series="$work/src/debian/patches/series" p
    [ -f "$series" ] || return 0
    while read -r p _; do
        case "$p" in ''|'#'*) continue ;; esac
        patch -d "$work/src" -p1 -s --no-backup-if-mismatch <"$work/src/debian/patches/$p" >&2 ||
            die "patch $p does not apply"
    done <"$series"
}

# --- main ---------------------------------------------------------------------------------

got=""
ensure_deb_src
log "fetching the source of haproxy $version"
if apt_download "$version"; then
    got="$version"
elif pool_download "$version"; then
    got="$version"
else
    # The exact version is not reachable: take the newest source of the same upstream version.
    for v in $(source_versions | sort -rV); do
        vu="${v#*:}"; vu="${vu%-*}"
        [ "$vu" = "$upstream" ] || continue
        log "warning: the source of $version is not available; using $v (same upstream $upstream)"
        if apt_download "$v" || pool_download "$v"; then got="$v"; break; fi
    done
fi
[ -n "$got" ] || die "cannot download the source of haproxy $version (apt-get source and the Debian pools failed)"

unpack
[ -d "$work/src/reg-tests" ] || die "the unpacked source has no reg-tests/"
printf '%s\n' "$got" >"$work/src/.rampart-source-version"
date -u '+%Y-%m-%dT%H:%M:%SZ' >"$work/src/.rampart-fetched"
rm -rf "$dest"
mv "$work/src" "$dest"
log "reg-tests of haproxy $got in $dest ($(find "$dest/reg-tests" -name '*.vtc' | wc -l) .vtc files)"
printf '%s\n' "$dest"
