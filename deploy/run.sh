#!/usr/bin/env bash
# `make run`: migrate, load the demo data, then run the web server, a Celery worker and Celery beat together
# until Ctrl-C. Expects deploy/services.sh to have run (it is called here if .run/env is missing).
# PostgreSQL and Redis keep running afterwards; `make stop` stops them too.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.run"
PIDS="$RUN/pids"
BIN="$ROOT/.venv/bin"
PORT="${CAREHUB_RUN_PORT:-8000}"
cd "$ROOT"

[[ -f $RUN/env ]] || bash "$ROOT/deploy/services.sh"
# shellcheck source=/dev/null
source "$RUN/env"
export DEBUG=1

for name in web worker beat sms-gateway; do
    if [[ -s $PIDS/$name.pid ]] && kill -0 "$(<"$PIDS/$name.pid")" 2>/dev/null; then
        echo "error: $name is already running (PID $(<"$PIDS/$name.pid")); run \`make stop\` first" >&2
        exit 1
    fi
done

"$BIN/carehub" migrate --noinput -v 0
if command -v msgfmt >/dev/null; then
    # Compiles every locale/*.po in the checkout; succeeds quietly when there are none yet.
    "$BIN/carehub" compilemessages --ignore=.venv --ignore=.run -v 0
else
    echo "warning: msgfmt (gettext) not installed; translations are not compiled" >&2
fi
# Creates the demo units and users and prints their logins.
"$BIN/carehub" demo

# Start one long-running process in the background as the leader of a new process group (setsid), so
# that stop.sh can stop it together with its children (runserver's autoreloader, Celery's pool), and so
# that Ctrl-C reaches only this script, which then stops them in order.
start() {
    local name=$1
    shift
    rm -f "$PIDS/$name.pid"
    if command -v setsid >/dev/null; then
        setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$name.pid" "$@" &
    else
        bash -c 'echo $$ >"$0"; exec "$@"' "$PIDS/$name.pid" "$@" &
    fi
}

stopped=0
stop_all() {
    ((stopped)) && return
    stopped=1
    echo
    bash "$ROOT/deploy/stop.sh" web worker beat sms-gateway
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$PIDS"
# Local sandbox SMS gateway (notifications/sandbox): a stand-in for Twilio that web and worker send to and that
# calls their status webhooks back. It starts before them because they read TWILIO_API_BASE_URL at start-up.
# Set TWILIO_API_BASE_URL yourself to send elsewhere (real Twilio) instead; the sandbox then stays off.
sms_line=""
if [[ -z ${TWILIO_API_BASE_URL:-} ]]; then
    SMS_PORT="${CAREHUB_SMS_SANDBOX_PORT:-8025}"
    # The development pair the sandbox itself falls back to (see `carehub sms_sandbox --help`).
    export TWILIO_ACCOUNT_SID="${TWILIO_ACCOUNT_SID:-AC00000000000000000000000000000000}"
    export TWILIO_AUTH_TOKEN="${TWILIO_AUTH_TOKEN:-sandbox-development-token}"
    export TWILIO_API_BASE_URL="http://127.0.0.1:$SMS_PORT"
    start sms-gateway "$BIN/carehub" sms_sandbox --port "$SMS_PORT"
    sms_line="    SMS sandbox:       $TWILIO_API_BASE_URL/_sandbox/messages   (what each phone \"received\")"
fi
start web "$BIN/carehub" runserver "0.0.0.0:$PORT"
start worker "$BIN/celery" -A carehub worker -Q celery,sms,reports --concurrency 2 -l info
start beat "$BIN/celery" -A carehub beat -l info --schedule "$RUN/celerybeat-schedule"

# Print the addresses once the web server accepts connections.
domain="${CAREHUB_BASE_DOMAIN:-localhost}"
for _ in $(seq 100); do
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null && break
    sleep 0.2
done
cat <<EOF

  Carehub is running (DEBUG=1). Ctrl-C stops the web server, worker and beat; \`make stop\` also
  stops a private PostgreSQL/Redis started by deploy/services.sh.

    Platform console:  http://$domain:$PORT/
    Units:             http://<slug>.$domain:$PORT/   (slugs and logins: see the \`carehub demo\` output above)
$sms_line

EOF

# Return as soon as any of them exits (a crash, or port $PORT in use); the EXIT trap stops the others.
set +e
wait -n
status=$?
echo "a process exited with status $status; stopping the others" >&2
exit "$status"
