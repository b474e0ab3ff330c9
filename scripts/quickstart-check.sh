#!/usr/bin/env bash
# Runs the README's example session (the bash block between <!-- quickstart:begin --> and
# <!-- quickstart:end -->) against a freshly started server: `npm start` on a temporary data directory and
# a free port. Every curl in the block must answer 2xx; afterwards the message must be `sent`, its timeline
# must not be empty, and its raw MIME must carry the subject. The block's variable names API,
# OPERATOR_KEY and MESSAGE_ID are the contract between README and this script.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readme="$root/README.md"
log() { echo "[quickstart] $*" >&2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/poststelle-quickstart-XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    log "stopping the server (pid $server_pid)"
    kill -TERM -- "-$server_pid" 2>/dev/null || kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# The block, fences and markers stripped.
block=$(awk '/<!-- quickstart:begin -->/{on=1; next} /<!-- quickstart:end -->/{on=0} on' "$readme" | sed '/^```/d')
[ -n "$block" ] || { log "README.md has no quickstart block between the markers"; exit 1; }
for v in API OPERATOR_KEY MESSAGE_ID; do
  grep -q "$v" <<<"$block" || { log "the README block no longer uses \$$v, which this check relies on"; exit 1; }
done

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export API="http://127.0.0.1:$port"
export OPERATOR_KEY="ps_op_quickstart_check_$(date +%s)_$$"

log "starting Poststelle (npm start) on $API, data in $work/data"
(
  cd "$root"
  # Its own process group, so that stopping it stops npm, tsx and node together.
  exec setsid env -u DATABASE_URL PORT="$port" HOST=127.0.0.1 POSTSTELLE_DATA_DIR="$work/data" \
    POSTSTELLE_BOOTSTRAP_KEY="$OPERATOR_KEY" LOG_LEVEL=warn POSTSTELLE_WORKER_POLL_MS=100 npm start
) >"$work/server.log" 2>&1 &
server_pid=$!

for i in $(seq 1 600); do
  if curl -sf "$API/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    log "the server exited during start-up:"; cat "$work/server.log" >&2; exit 1
  fi
  [ "$i" -eq 600 ] && { log "the server did not answer /health within 60 s:"; cat "$work/server.log" >&2; exit 1; }
  sleep 0.1
done
log "server is up"

# curl, as the block calls it: every call is logged with its status, and a non-2xx answer ends the run.
cat >"$work/session.sh" <<'PRELUDE'
set -euo pipefail
curl() {
  local method=GET url="" a out status body
  for a in "$@"; do
    case "$a" in
      GET | POST | PUT | PATCH | DELETE) method=$a ;;
      http://* | https://*) url=$a ;;
    esac
  done
  out=$(command curl -sS -w '\n%{http_code}' "$@") || { echo "[quickstart] $method $url: curl failed" >&2; return 1; }
  status=${out##*$'\n'}
  body=${out%$'\n'*}
  echo "[quickstart] $method ${url#"$API"} -> $status" >&2
  if [[ $status != 2* ]]; then
    echo "[quickstart] step failed: $method ${url#"$API"} answered $status: $body" >&2
    return 1
  fi
  printf '%s\n' "$body"
}
PRELUDE
printf '%s\n' "$block" >>"$work/session.sh"
cat >>"$work/session.sh" <<'CHECKS'

# --- checks of the outcome ---
message=$(command curl -sS -H "Authorization: Bearer $KEY" "$API/v1/messages/$MESSAGE_ID")
status=$(jq -r .status <<<"$message")
if [ "$status" != "sent" ]; then
  echo "[quickstart] the message ended as '$status', not 'sent': $message" >&2
  exit 1
fi
events=$(jq '.timeline | length' <<<"$message")
[ "$events" -ge 1 ] || { echo "[quickstart] the message has an empty timeline: $message" >&2; exit 1; }
raw=$(command curl -sS -H "Authorization: Bearer $KEY" "$API/v1/messages/$MESSAGE_ID/raw")
grep -q "^Subject: " <<<"$raw" || { echo "[quickstart] the raw MIME has no Subject header: $raw" >&2; exit 1; }
echo "[quickstart] message $MESSAGE_ID is sent, with $events timeline events and its raw MIME" >&2
CHECKS

log "running the README session"
if ! timeout 120 bash "$work/session.sh" >"$work/session.out"; then
  log "the README session failed; its output:"; cat "$work/session.out" >&2
  log "server log:"; tail -n 50 "$work/server.log" >&2
  exit 1
fi
log "what the session printed:"
sed 's/^/    /' "$work/session.out" >&2
log "the README session passed"
