#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on 127.0.0.1 for the storage tests (developers and CI alike).
#
#   scripts/pg-test-cluster.sh start   # installs PostgreSQL if missing (as root), initdb + start; prints the URL
#   scripts/pg-test-cluster.sh url     # prints the URL, e.g. for VEJVISER_TEST_POSTGRES_URL
#   scripts/pg-test-cluster.sh stop    # stops it and deletes its data
#
#   export VEJVISER_TEST_POSTGRES_URL="$(scripts/pg-test-cluster.sh start)"
#
# Settings: PGTEST_DIR (default /tmp/vejviser-pg), PGTEST_PORT (default 54329).
set -euo pipefail

DIR="${PGTEST_DIR:-/tmp/vejviser-pg}"
PORT="${PGTEST_PORT:-54329}"
DATA="$DIR/data"
LOG="$DIR/server.log"
URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/postgres"

find_bindir() {
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do
    if [[ -x "$candidate/initdb" ]]; then echo "$candidate"; return 0; fi
  done
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then pg_config --bindir; return 0; fi
  return 1
}

install_postgres() {
  if [[ "$(id -u)" != 0 ]]; then
    echo "PostgreSQL server binaries not found; install the 'postgresql' package (needs root)." >&2
    exit 1
  fi
  echo "installing PostgreSQL server binaries..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
}

# Run a command as the cluster's owner: postgres refuses to run as root.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

case "${1:-}" in
  start)
    BIN="$(find_bindir || { install_postgres; find_bindir; })"
    if [[ "$(id -u)" == 0 ]] && ! id postgres >/dev/null 2>&1; then
      useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    mkdir -p "$DIR"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$DIR"
    if ! running; then
      if [[ ! -f "$DATA/PG_VERSION" ]]; then
        as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
      fi
      # Throw-away: fsync stays on so the durability test measures the real thing.
      as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$DIR -c max_connections=200" start >/dev/null
    fi
    echo "$URL"
    ;;
  stop)
    if BIN="$(find_bindir)" && running; then
      as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
    fi
    rm -rf "$DIR"
    ;;
  url)
    echo "$URL"
    ;;
  *)
    echo "usage: $0 start|stop|url" >&2
    exit 2
    ;;
esac
