#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, for CI and benchmarks (never the machine's own cluster).
#   scripts/pg-temp.sh start DIR [PORT] [--fast]   initdb into DIR/data if needed, start it, print its DATABASE_URL
#   scripts/pg-temp.sh stop DIR                    stop it (fast shutdown); does nothing if it is not running
# --fast turns durability off (fsync, synchronous_commit, full_page_writes): for tests, never for figures.
# As root the server runs as the `postgres` user (initdb refuses root). Logs go to DIR/postgres.log.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

log() { echo "[pg-temp] $*" >&2; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start() {
  local dir=$1 port="" fast=0 a
  shift
  for a in "$@"; do
    case "$a" in
      --fast) fast=1 ;;
      *[!0-9]* | "") log "not a port: $a"; exit 2 ;;
      *) port=$a ;;
    esac
  done
  [ -x "$PGBIN/initdb" ] || { log "no PostgreSQL binaries in $PGBIN (apt-get install postgresql)"; exit 1; }
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || { log "user postgres is missing (apt-get install postgresql creates it)"; exit 1; }
    chown postgres "$dir"
    chmod 755 "$dir"
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initdb in $dir/data"
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale --no-instructions >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  if [ -f "$dir/port" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    log "already running on 127.0.0.1:$(cat "$dir/port")"
    echo "postgres://postgres@127.0.0.1:$(cat "$dir/port")/postgres"
    return
  fi
  [ -n "$port" ] || port=$(free_port)
  local opts="-k $dir -c listen_addresses=127.0.0.1 -p $port -c max_connections=300"
  [ "$fast" -eq 1 ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  log "starting PostgreSQL on 127.0.0.1:$port (data $dir/data, log $dir/postgres.log)"
  if ! as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o "$opts" start >/dev/null; then
    tail -n 30 "$dir/postgres.log" >&2 || true
    exit 1
  fi
  echo "$port" >"$dir/port"
  echo "postgres://postgres@127.0.0.1:$port/postgres"
}

stop() {
  local dir=$1
  if [ -f "$dir/data/postmaster.pid" ]; then
    log "stopping PostgreSQL in $dir/data"
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null || true
  fi
}

case "${1:-}" in
  start) shift; [ $# -ge 1 ] || { log "usage: $0 start DIR [PORT] [--fast]"; exit 2; }; start "$@" ;;
  stop) shift; [ $# -ge 1 ] || { log "usage: $0 stop DIR"; exit 2; }; stop "$1" ;;
  *) log "usage: $0 start DIR [PORT] [--fast] | stop DIR"; exit 2 ;;
esac
