# Start and watch the long-running processes of `make run`. Sourced by deploy/run.sh (tests/test_run_stack.py
# drives it with stand-in commands); the caller sets PIDS, the directory of the NAME.pid files deploy/stop.sh reads.
#
#   start NAME COMMAND...   start COMMAND as the leader of a new process group, its PID in $PIDS/NAME.pid
#   running NAME            true while NAME's process runs (it may have exited without supervise knowing yet)
#   supervise               restart whatever exits, except the web server; return 1 when web exits or when one
#                           process exited RESTART_LIMIT times within RESTART_WINDOW seconds
#   stop_all                stop everything started, in reverse order (the SMS gateway last: workers send to it)
#
# Why restart: a worker killed by the OOM killer, or beat losing Redis for a moment, should cost a log line, not
# the whole stack. Why not the web server: gunicorn's master already restarts its own workers, so its exit means
# it could not start (port in use, broken settings) and restarting would only repeat the error. A process that
# keeps crashing is given up on, with everything stopped, rather than restarted forever.

RESTART_LIMIT=5
RESTART_WINDOW=60
_SUPERVISE_STOP="$(dirname "${BASH_SOURCE[0]}")/stop.sh"
_STARTED=()                  # names, in start order
declare -A _COMMAND_OF=()    # name -> its command, shell-quoted
declare -A _NAME_OF=()       # PID -> name, for the processes running now
declare -A _EXITS_OF=()      # name -> times (epoch seconds) it exited within the last RESTART_WINDOW seconds

# The process runs in its own session (setsid) so that stop.sh can signal its whole group (gunicorn's and Celery's
# children), and so that Ctrl-C reaches only the caller, which then stops everything in order. PGAPPNAME names
# its PostgreSQL connections (pg_stat_activity.application_name), which is how the README's budget was measured.
_launch() {
    local name=$1 detach=()
    command -v setsid >/dev/null && detach=(setsid)
    eval "set -- ${_COMMAND_OF[$name]}"
    rm -f "$PIDS/$name.pid"
    PGAPPNAME="carehub-$name" "${detach[@]}" bash -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$name.pid" "$@" &
    _NAME_OF[$!]=$name
}

start() {
    local name=$1
    shift
    _STARTED+=("$name")
    _COMMAND_OF[$name]="$(printf '%q ' "$@")"
    _launch "$name"
}

running() {
    local pid state
    for pid in "${!_NAME_OF[@]}"; do
        [[ ${_NAME_OF[$pid]} == "$1" ]] || continue
        # An exited child stays a zombie (state Z, the field after the command name) until supervise reaps it.
        state="$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)"
        [[ -n $state && $state != Z ]] && return 0
    done
    return 1
}

# "status 1", or "killed by SIGKILL" for a process a signal ended.
_describe() { if (($1 > 128)); then echo "killed by SIG$(kill -l "$(($1 - 128))")"; else echo "status $1"; fi; }

# Record one exit of NAME, forgetting those older than the window; _recent_exits says how many are left. (Not
# called as $(...), whose subshell would lose the change to _EXITS_OF.)
_recent_exits=0
_record_exit() {
    local name=$1 when kept=()
    for when in ${_EXITS_OF[$name]:-}; do
        ((EPOCHSECONDS - when < RESTART_WINDOW)) && kept+=("$when")
    done
    kept+=("$EPOCHSECONDS")
    _EXITS_OF[$name]="${kept[*]}"
    _recent_exits=${#kept[@]}
}

supervise() {
    local pid status name
    while true; do
        pid="" status=0
        wait -n -p pid || status=$?
        if [[ -z $pid ]]; then
            ((status == 127)) || continue  # a signal interrupted the wait; the caller's trap decides
            echo "supervise: nothing left to watch" >&2
            return 1
        fi
        name=${_NAME_OF[$pid]:-}
        [[ -n $name ]] || continue  # some other child of the caller
        unset "_NAME_OF[$pid]"
        if [[ $name == web ]]; then
            echo "supervise: the web server exited ($(_describe "$status")); stopping everything (its last lines" \
                "above say why, e.g. the port is in use)" >&2
            return 1
        fi
        _record_exit "$name"
        if ((_recent_exits >= RESTART_LIMIT)); then
            echo "supervise: $name exited $_recent_exits times within $RESTART_WINDOW s" \
                "(last: $(_describe "$status")); giving up and stopping everything" >&2
            return 1
        fi
        echo "supervise: $name exited ($(_describe "$status")); restarting it ($_recent_exits exits within" \
            "$RESTART_WINDOW s; at $RESTART_LIMIT everything stops)" >&2
        _launch "$name"
    done
}

_stopped=0
stop_all() {
    ((_stopped)) && return
    _stopped=1
    local names=() i
    for ((i = ${#_STARTED[@]} - 1; i >= 0; i--)); do names+=("${_STARTED[i]}"); done
    ((${#names[@]})) || return 0
    CAREHUB_PIDS="$PIDS" bash "$_SUPERVISE_STOP" "${names[@]}"
}
