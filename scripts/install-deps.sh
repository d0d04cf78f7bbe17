#!/usr/bin/env bash
# Installs the system packages `make test` (or `make bench`) needs, only those missing.
#
#   scripts/install-deps.sh test    postgresql, redis-server (the services run), Debian's
#                                   chromium and fonts, node and npm, then the pinned
#                                   axe-core from package-lock.json (the browser tests)
#   scripts/install-deps.sh bench   wrk
#
# Debian packages go in with one `apt-get update` and one `apt-get install`, as root or with
# password-less `sudo -n` (never a password prompt); otherwise it names what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "deps: $*" >&2; }

missing=()
need() {
    # need PACKAGE CHECK...: PACKAGE is missing unless the check succeeds.
    local package=$1
    shift
    "$@" >/dev/null 2>&1 || missing+=("$package")
}

has_postgres_server() {
    # Debian keeps initdb and pg_ctl off PATH, in the version's bin folder.
    compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

case "${1:-test}" in
    test)
        need postgresql has_postgres_server
        need redis-server command -v redis-server
        # Playwright may not download a browser of its own: it drives Debian's.
        need chromium test -x /usr/bin/chromium
        need fonts-dejavu-core test -d /usr/share/fonts/truetype/dejavu
        need nodejs command -v node
        need npm command -v npm
        ;;
    bench)
        need wrk command -v wrk
        ;;
    *)
        echo "usage: $0 [test|bench]" >&2
        exit 2
        ;;
esac

if [ "${#missing[@]}" -gt 0 ]; then
    as_root=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
            as_root=(sudo -n)
        else
            say "please install the Debian packages: ${missing[*]}"
            exit 1
        fi
    fi
    say "installing the Debian packages: ${missing[*]}"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
fi

# axe-core, pinned in package-lock.json; reinstalled only when the lock file changes.
if [ "${1:-test}" = test ] && { [ ! -f node_modules/.package-lock.json ] ||
    [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
    say "installing axe-core (npm ci)"
    npm ci --no-audit --no-fund --silent
fi
