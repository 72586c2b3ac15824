#!/usr/bin/env bash
# Stop what deploy/services.sh and deploy/run.sh started, and nothing else.
#
#   deploy/stop.sh               stop everything recorded under .run/pids/ (CAREHUB_PIDS: another directory)
#   deploy/stop.sh web worker    stop only those (run.sh uses this when it ends; databases keep running)
#
# Only PIDs recorded in .run/pids/NAME.pid are signalled, and only if the process still looks like what we
# started (a PID reused by another program is left alone). Servers found already running on the machine
# (system PostgreSQL/Redis) are never recorded, so they are never stopped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIDS="${CAREHUB_PIDS:-$ROOT/.run/pids}"

# What each recorded process's command line must contain to be ours.
expected_cmd() {
    case "$1" in
        postgres) echo postgres ;;
        redis) echo redis-server ;;
        run) echo run.sh ;;
        web) echo gunicorn ;;
        worker | beat) echo celery ;;
        sms-gateway) echo sms_sandbox ;;
        *) echo "" ;;  # trust the pid file
    esac
}

# Fast shutdown for PostgreSQL is SIGINT (its SIGTERM waits for every client to disconnect).
stop_signal() { [[ $1 == postgres ]] && echo INT || echo TERM; }

# Alive and not a zombie (an exited child of run.sh stays a zombie until run.sh reaps it).
alive() { kill -0 "$1" 2>/dev/null && [[ $(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) != Z ]]; }

cmdline() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true; }

# Process group id of a pid (field 5 of /proc/PID/stat, counted after the ")" that ends the command name).
pgid_of() { sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | awk '{print $3}'; }

stop_one() {
    local name=$1 file="$PIDS/$1.pid" pid want sig
    [[ -f $file ]] || return 0
    pid="$(cat "$file" 2>/dev/null || true)"  # may vanish meanwhile: run.sh and `make stop` can race
    if [[ ! $pid =~ ^[0-9]+$ ]] || ! alive "$pid"; then
        echo "$name: not running"
        rm -f "$file"
        return 0
    fi
    want="$(expected_cmd "$name")"
    if [[ -n $want && $(cmdline "$pid") != *"$want"* ]]; then
        echo "$name: PID $pid is now another program ($(cmdline "$pid")); leaving it alone"
        rm -f "$file"
        return 0
    fi
    sig="$(stop_signal "$name")"
    # run.sh starts each app process as the leader of its own process group, so its children can be found.
    # gunicorn and Celery want the signal on the main process only (they finish the requests or tasks in hand,
    # then stop their workers); anything else gets it with its whole group. The database daemons are signalled
    # alone, and so is run.sh, whose EXIT trap then stops what it started, in order.
    local group=""
    if [[ " postgres redis run " != *" $name "* && $(pgid_of "$pid") == "$pid" ]]; then group="-$pid"; fi
    if [[ -n $group && $name != web && $name != worker && $name != beat ]]; then
        kill -s "$sig" -- "$group" 2>/dev/null || true
    else
        kill -s "$sig" "$pid" 2>/dev/null || true
    fi
    # Up to 15 s: Celery finishes its tasks, PostgreSQL checkpoints; run.sh waits for each of those in turn.
    local patience=15
    [[ $name == run ]] && patience=60
    for _ in $(seq $((patience * 10))); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        echo "$name: still running after $patience s, killing"
        kill -s KILL -- "${group:-$pid}" 2>/dev/null || true
    elif [[ -n $group ]]; then
        # The leader is gone; give stragglers in its group a moment, then make sure none is left behind.
        for _ in $(seq 20); do kill -0 -- "$group" 2>/dev/null || break; sleep 0.1; done
        kill -s KILL -- "$group" 2>/dev/null || true
    fi
    rm -f "$file"
    echo "$name: stopped (PID $pid)"
}

[[ -d $PIDS ]] || exit 0
if (($#)); then
    names=("$@")
else
    # Applications first, then anything else recorded, then the servers they were using.
    names=(run web worker beat)
    for f in "$PIDS"/*.pid; do
        [[ -e $f ]] || continue
        n="$(basename "$f" .pid)"
        [[ " run web worker beat redis postgres " == *" $n "* ]] || names+=("$n")
    done
    names+=(redis postgres)
fi
for n in "${names[@]}"; do stop_one "$n"; done
