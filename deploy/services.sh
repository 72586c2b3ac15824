#!/usr/bin/env bash
# Prepare everything Carehub needs on a developer machine or a CI runner, then write .run/env.
#
#   deploy/services.sh          Python venv, system packages, vendored JS, PostgreSQL, Redis, .run/env   (default: "up")
#   deploy/services.sh venv     only the Python venv (enough for `make lint`)
#   deploy/services.sh stop     same as deploy/stop.sh
#
# Safe to run repeatedly: every step checks first and only does work that is missing.
#
# Environment knobs:
#   DATABASE_URL, REDIS_URL   use these servers as they are (nothing is probed or started)
#   CAREHUB_FORCE_PRIVATE=1   ignore servers on the standard ports 5432/6379 and start private ones under
#                             .run/ (useful to test the fresh-machine path, or to keep dev data separate)
#   CAREHUB_NO_APT=1          never call apt-get (machines without root); missing packages become warnings
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.run"
PIDS="$RUN/pids"
VENV="$ROOT/.venv"
cd "$ROOT"

log() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- helpers -------------------------------------------------------------------------------------------

# Run a command as root: directly when we are root, otherwise through sudo.
as_root() {
    if [[ $EUID -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"
    fi
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

APT_UPDATED=0
# Install Debian packages that are missing; `apt-get update` runs at most once per invocation.
apt_install() {
    local missing=() p
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    ((${#missing[@]})) || return 0
    if [[ -n ${CAREHUB_NO_APT:-} ]] || ! command -v apt-get >/dev/null \
        || { [[ $EUID -ne 0 ]] && ! command -v sudo >/dev/null; }; then
        warn "missing system packages (install them yourself): ${missing[*]}"
        return 1
    fi
    log "system: installing ${missing[*]}"
    if ((APT_UPDATED == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        APT_UPDATED=1
    fi
    # dpkg is chatty; keep its output in a log and show the end of it only when something fails.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
        >"$RUN/apt.log" 2>&1 || { tail -n 30 "$RUN/apt.log" >&2; die "apt-get install failed (see .run/apt.log)"; }
}

# True when something accepts TCP connections on host:port (bash's /dev/tcp; no client tools needed).
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# Ask the OS for a free TCP port on 127.0.0.1.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True when the PID in file $1 is alive and its command line mentions $2 (guards against a reused PID).
pid_alive() {
    [[ -s $1 ]] || return 1
    local pid
    pid="$(<"$1")"
    kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

redis_ping() {  # host port -> true when it answers +PONG (a password-protected server answers -NOAUTH)
    timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "PING\r\n" >&3
        IFS= read -r line <&3
        [[ $line == +PONG* ]]' "$1" "$2" 2>/dev/null
}

# Print a URL with its password replaced, for log lines.
redact() { sed -E 's#(://[^:/@]+):[^@/]*@#\1:***@#' <<<"$1"; }

# --- 1. Python environment -----------------------------------------------------------------------------

setup_venv() {
    if [[ ! -x $VENV/bin/python ]]; then
        # Debian's system python3 needs python3-venv for ensurepip; a pyenv/python.org build already has it.
        python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
        log "python: creating .venv"
        python3 -m venv "$VENV"
    fi
    # Reinstall only when pyproject.toml changed since the last successful install.
    local stamp="$VENV/.carehub-installed"
    if [[ ! -e $stamp || $ROOT/pyproject.toml -nt $stamp ]]; then
        log "python: pip install -e .[dev]"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[dev]"
        touch "$stamp"
    fi
}

# --- 2. System packages --------------------------------------------------------------------------------

# The product's run-time packages come from deploy/system-packages.txt, the list deploy/Dockerfile installs too.
# chromium (development and CI only): browser tests drive /usr/bin/chromium through Playwright (never
# `playwright install`).
mapfile -t SYSTEM_PACKAGES < <(grep -v '^#' "$ROOT/deploy/system-packages.txt" | xargs -n 1)
SYSTEM_PACKAGES+=(chromium)

setup_system_packages() {
    command -v dpkg-query >/dev/null || { warn "not a Debian system; make sure these are installed: ${SYSTEM_PACKAGES[*]}"; return 0; }
    apt_install "${SYSTEM_PACKAGES[@]}" || true  # a warning was printed; tests that need them will say so
}

# --- 2b. Vendored browser libraries ------------------------------------------------------------------

# Workbox and idb for the offline field work, from the npm registry (deploy/vendor.sh; fast when in place).
# Debian's npm package brings node along on a machine that has neither.
setup_vendor() {
    command -v npm >/dev/null || apt_install npm || die "npm is needed to vendor Workbox and idb"
    bash "$ROOT/deploy/vendor.sh"
}

# --- 3. PostgreSQL -------------------------------------------------------------------------------------

# Directory with initdb/pg_ctl/postgres: PATH first, else the newest Debian versioned directory.
pg_bindir() {
    if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
        return
    fi
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
    echo "$d"  # empty when PostgreSQL is not installed
}

# Run a command as the OS user that owns the private cluster (initdb refuses to run as root).
PG_OS_USER=""
# It runs from / because the postgres user may not be allowed into the current directory.
as_pg() {
    if [[ -z $PG_OS_USER ]]; then "$@"
    elif command -v runuser >/dev/null; then (cd / && runuser -u "$PG_OS_USER" -- "$@")
    else (cd / && su "$PG_OS_USER" -s /bin/sh -c "$(printf '%q ' "$@")")
    fi
}

# Try to reach database $1's server and create the database if it is missing.
# Exit status: 0 ok, 2 server unreachable / login refused (so the caller may fall back), 1 other error.
ensure_database() {
    "$VENV/bin/python" - "$1" <<'PY'
import sys

import dj_database_url
import psycopg
from psycopg import sql

cfg = dj_database_url.parse(sys.argv[1])
params = {"host": cfg["HOST"] or None, "port": cfg["PORT"] or None, "user": cfg["USER"] or None,
          "password": cfg["PASSWORD"] or None, "connect_timeout": 5, **cfg.get("OPTIONS", {})}
name = cfg["NAME"]
try:
    psycopg.connect(dbname=name, **params).close()
    sys.exit(0)
except psycopg.OperationalError as exc:
    if "does not exist" not in str(exc) or f'"{name}"' not in str(exc):
        print(f"  {str(exc).strip().splitlines()[-1]}", file=sys.stderr)
        sys.exit(2)
# The server answers but the database is missing: create it from the maintenance database.
try:
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    print(f"  created database {name}")
except psycopg.Error as exc:
    print(f"  cannot create database {name}: {exc}", file=sys.stderr)
    sys.exit(1)
PY
}

start_private_postgres() {
    local bindir pgdir data sock port
    bindir="$(pg_bindir)"
    if [[ -z $bindir ]]; then
        apt_install postgresql || die "PostgreSQL is not installed and could not be installed"
        bindir="$(pg_bindir)"
        [[ -n $bindir ]] || die "initdb not found after installing postgresql"
    fi

    if [[ $EUID -eq 0 ]]; then
        # The Debian package creates this user; a hand-built PostgreSQL may not have one.
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
        PG_OS_USER=postgres
    fi

    pgdir="$RUN/pg"
    if [[ ! -e $pgdir ]]; then
        mkdir -p "$pgdir"
        # The postgres user must be able to reach .run/pg; it can't when the checkout lives under a private
        # home directory (e.g. /root is mode 700). Then keep the cluster in /tmp and link it from .run/pg.
        if [[ -n $PG_OS_USER ]] && ! as_pg test -x "$pgdir"; then
            rmdir "$pgdir"
            local tmpdir
            tmpdir="$(mktemp -d /tmp/carehub-pg.XXXXXX)"
            chmod 755 "$tmpdir"
            ln -s "$tmpdir" "$pgdir"
        fi
    fi
    # Hand PostgreSQL the real path: the postgres user can't follow .run/pg through a private directory.
    pgdir="$(readlink -f "$pgdir")"
    data="$pgdir/data"
    sock="$pgdir/sock"
    mkdir -p "$sock"
    if [[ -n $PG_OS_USER ]]; then chown -R "$PG_OS_USER" "$pgdir"; fi

    if pid_alive "$PIDS/postgres.pid" postgres; then
        port="$(<"$RUN/pg.port")"
        log "postgres: private server already running on 127.0.0.1:$port (.run/pg)"
    else
        if [[ ! -s $data/PG_VERSION ]]; then
            as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C >"$pgdir/initdb.log" 2>&1 \
                || { cat "$pgdir/initdb.log" >&2; die "initdb failed"; }
            # A throwaway development cluster: local-only, and durability traded for speed.
            cat >>"$data/postgresql.conf" <<EOF

# --- added by deploy/services.sh (private development cluster) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
        fi
        # Reuse the previous port when it is still free so that old .run/env copies keep working.
        port="$(cat "$RUN/pg.port" 2>/dev/null || true)"
        if [[ -z $port ]] || port_open 127.0.0.1 "$port"; then port="$(free_port)"; fi
        as_pg "$bindir/pg_ctl" -D "$data" -l "$pgdir/postgres.log" -o "-p $port" -w -t 60 start >/dev/null \
            || { tail -n 20 "$pgdir/postgres.log" >&2; die "could not start the private PostgreSQL"; }
        echo "$port" >"$RUN/pg.port"
        head -n 1 "$data/postmaster.pid" >"$PIDS/postgres.pid"
        log "postgres: started private server on 127.0.0.1:$port (.run/pg, log .run/pg/postgres.log)"
    fi
    DATABASE_URL="postgres://postgres@127.0.0.1:$port/carehub"
}

setup_postgres() {
    if [[ -n ${DATABASE_URL:-} ]]; then
        log "postgres: using DATABASE_URL from the environment ($(redact "$DATABASE_URL"))"
        ensure_database "$DATABASE_URL" || die "cannot use DATABASE_URL"
        return
    fi
    if [[ -z ${CAREHUB_FORCE_PRIVATE:-} ]] && ! pid_alive "$PIDS/postgres.pid" postgres && port_open 127.0.0.1 5432; then
        local url="postgres://postgres@127.0.0.1:5432/carehub" rc=0
        ensure_database "$url" || rc=$?
        if ((rc == 0)); then
            DATABASE_URL="$url"
            log "postgres: using existing local server on 127.0.0.1:5432"
            return
        fi
        ((rc == 2)) || die "cannot prepare database carehub on 127.0.0.1:5432"
        # Typical for a stock Debian install: TCP logins need a password. Don't touch it; run our own.
        log "postgres: 127.0.0.1:5432 refuses password-less login as postgres; starting a private server instead"
    fi
    start_private_postgres
    ensure_database "$DATABASE_URL" || die "cannot create database carehub on the private server"
}

# --- 4. Redis ------------------------------------------------------------------------------------------

start_private_redis() {
    local dir="$RUN/redis" port
    mkdir -p "$dir"
    if pid_alive "$PIDS/redis.pid" redis-server; then
        port="$(<"$RUN/redis.port")"
        log "redis: private server already running on 127.0.0.1:$port (.run/redis)"
    else
        command -v redis-server >/dev/null || apt_install redis-server || die "redis-server is not installed"
        port="$(cat "$RUN/redis.port" 2>/dev/null || true)"
        if [[ -z $port ]] || port_open 127.0.0.1 "$port"; then port="$(free_port)"; fi
        # No persistence: this Redis only holds cache entries and the Celery queue of a dev/test run.
        redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
            --pidfile "$PIDS/redis.pid" --dir "$dir" --logfile "$dir/redis.log" \
            --save "" --appendonly no
        for _ in $(seq 50); do redis_ping 127.0.0.1 "$port" && break; sleep 0.1; done
        redis_ping 127.0.0.1 "$port" || { tail -n 20 "$dir/redis.log" >&2; die "private Redis did not answer PING"; }
        echo "$port" >"$RUN/redis.port"
        log "redis: started private server on 127.0.0.1:$port (.run/redis)"
    fi
    REDIS_URL="redis://127.0.0.1:$port/0"
}

setup_redis() {
    if [[ -n ${REDIS_URL:-} ]]; then
        log "redis: using REDIS_URL from the environment ($(redact "$REDIS_URL"))"
        return
    fi
    if [[ -z ${CAREHUB_FORCE_PRIVATE:-} ]] && ! pid_alive "$PIDS/redis.pid" redis-server; then
        if redis_ping 127.0.0.1 6379; then
            REDIS_URL="redis://127.0.0.1:6379/0"
            log "redis: using existing local server on 127.0.0.1:6379"
            return
        elif port_open 127.0.0.1 6379; then
            log "redis: 127.0.0.1:6379 does not answer PING without a password; starting a private server instead"
        fi
    fi
    start_private_redis
}

# --- 5. .run/env ---------------------------------------------------------------------------------------

# Tests use another database number of the same Redis, so a running `make run` worker never takes a task
# that a test queued (and tests never see the development queues). URLs with a query string stay as they are.
test_redis_url() {
    if [[ $1 =~ ^(rediss?://[^/?]*)(/[0-9]*)?$ ]]; then echo "${BASH_REMATCH[1]}/15"; else echo "$1"; fi
}

write_env() {
    # A per-checkout random key, kept across runs so sessions survive restarts. Development/tests only.
    if [[ ! -s $RUN/secret_key ]]; then
        (umask 077 && python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$RUN/secret_key")
    fi
    {
        echo "# Written by deploy/services.sh; source it. DEBUG is deliberately absent: the Makefile sets it."
        printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
        printf 'export REDIS_URL=%q\n' "$REDIS_URL"
        printf 'export CAREHUB_TEST_REDIS_URL=%q\n' "$(test_redis_url "$REDIS_URL")"
        printf 'export SECRET_KEY=%q\n' "$(<"$RUN/secret_key")"
    } >"$RUN/env.tmp"
    chmod 600 "$RUN/env.tmp"
    mv "$RUN/env.tmp" "$RUN/env"
}

# --- main ----------------------------------------------------------------------------------------------

mkdir -p "$PIDS"
case "${1:-up}" in
    up)
        setup_venv
        setup_system_packages
        setup_vendor
        setup_postgres
        setup_redis
        write_env
        ;;
    venv) setup_venv ;;
    stop) exec bash "$ROOT/deploy/stop.sh" "${@:2}" ;;
    *) die "usage: $0 [up|venv|stop]" ;;
esac
