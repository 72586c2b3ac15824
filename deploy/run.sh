#!/usr/bin/env bash
# `make run`: migrate, load the demo data, then run the web server (gunicorn, as in production: deploy/web.sh), a
# Celery worker and Celery beat together until Ctrl-C or `make stop`. A worker, beat or the SMS gateway that exits
# is restarted; the web server exiting, or one process exiting 5 times within a minute, stops everything
# (deploy/supervise.sh). Expects deploy/services.sh to have run (it is called here if .run/env is missing).
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

for name in run web worker beat sms-gateway; do
    if [[ -s $PIDS/$name.pid ]] && kill -0 "$(<"$PIDS/$name.pid")" 2>/dev/null; then
        echo "error: $name is already running (PID $(<"$PIDS/$name.pid")); run \`make stop\` first" >&2
        exit 1
    fi
done
SMS_PORT="${CAREHUB_SMS_SANDBOX_PORT:-8025}"
# Another program on our ports would answer in our place, or make the server fail after the migrations: say so now.
ports=("$PORT:web server:CAREHUB_RUN_PORT")
[[ -n ${TWILIO_API_BASE_URL:-} ]] || ports+=("$SMS_PORT:SMS sandbox:CAREHUB_SMS_SANDBOX_PORT")
for entry in "${ports[@]}"; do
    IFS=: read -r port what knob <<<"$entry"
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
        echo "error: port $port (the $what) is in use by another program; stop it, or choose another port" \
            "with $knob=..." >&2
        exit 1
    fi
done
mkdir -p "$PIDS"
# `make stop` from another terminal stops this script first; its EXIT trap then stops the rest in order.
echo $$ >"$PIDS/run.pid"
# shellcheck source=deploy/supervise.sh
source "$ROOT/deploy/supervise.sh"
finish() {
    echo
    stop_all
    rm -f "$PIDS/run.pid"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 0' TERM  # `make stop`: an ordinary end, not a failure of `make run`

"$BIN/carehub" migrate --noinput -v 0
if command -v msgfmt >/dev/null; then
    # Compiles every locale/*.po in the checkout; succeeds quietly when there are none yet.
    "$BIN/carehub" compilemessages --ignore=.venv --ignore=.run -v 0
else
    echo "warning: msgfmt (gettext) not installed; translations are not compiled" >&2
fi
# Creates the demo units and users and prints their logins.
"$BIN/carehub" demo

# Local sandbox SMS gateway (notifications/sandbox): a stand-in for Twilio that web and worker send to and that
# calls their status webhooks back. It starts before them because they read TWILIO_API_BASE_URL at start-up.
# Set TWILIO_API_BASE_URL yourself to send elsewhere (real Twilio) instead; the sandbox then stays off.
sms_line=""
if [[ -z ${TWILIO_API_BASE_URL:-} ]]; then
    # The development pair the sandbox itself falls back to (see `carehub sms_sandbox --help`).
    export TWILIO_ACCOUNT_SID="${TWILIO_ACCOUNT_SID:-AC00000000000000000000000000000000}"
    export TWILIO_AUTH_TOKEN="${TWILIO_AUTH_TOKEN:-sandbox-development-token}"
    export TWILIO_API_BASE_URL="http://127.0.0.1:$SMS_PORT"
    # A default sender too, so that the demo units send from the first minute without anyone configuring one.
    export TWILIO_MESSAGING_SERVICE_SID="${TWILIO_MESSAGING_SERVICE_SID:-MG00000000000000000000000000000000}"
    # And a caller number for voice calls (the sandbox places calls from any number).
    export TWILIO_VOICE_NUMBER="${TWILIO_VOICE_NUMBER:-+15005550006}"
    start sms-gateway "$BIN/carehub" sms_sandbox --port "$SMS_PORT"
    sms_line="    SMS sandbox:       $TWILIO_API_BASE_URL/_sandbox/messages   (what each phone \"received\")"
fi
start web bash "$ROOT/deploy/web.sh" "0.0.0.0:$PORT"
start worker "$BIN/celery" -A carehub worker -Q celery,sms,reports --concurrency 2 -l info
start beat "$BIN/celery" -A carehub beat -l info --schedule "$RUN/celerybeat-schedule"

# Print the addresses once the web server accepts connections (if it exits instead, supervise says so below).
domain="${CAREHUB_BASE_DOMAIN:-localhost}"
for _ in $(seq 150); do
    running web || break
    timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null && break
    sleep 0.2
done
running web && cat <<EOF

  Carehub is running (DEBUG=1). Ctrl-C or \`make stop\` stops the web server, worker and beat; \`make stop\`
  also stops a private PostgreSQL/Redis started by deploy/services.sh.

    Platform console:  http://$domain:$PORT/
    Units:             http://<slug>.$domain:$PORT/   (slugs and logins: see the \`carehub demo\` output above)
$sms_line

EOF

# Restarts a worker, beat or gateway that exits; returns when that cannot help, and the EXIT trap stops the rest.
supervise || exit 1
