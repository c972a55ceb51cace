#!/usr/bin/env bash
# A PostgreSQL server for the tests, with nothing installed or started by hand.
#
#   source eng/postgres.sh         exports PERDURE_TEST_POSTGRES (an Npgsql connection string); the caller must call
#                                  perdure_postgres_stop when it exits (eng/test.sh does, from its EXIT trap)
#   eng/postgres.sh [COMMAND...]   the same, runs COMMAND with it (with no command: connects once), then stops
#
# For a private cluster it also exports PERDURE_TEST_POSTGRES_RESTART: a shell command that restarts that server the
# hard way (pg_ctl restart -m immediate: every connection drops, committed work is recovered from the WAL), for tests of
# a database restart mid-run. A server given by PERDURE_TEST_POSTGRES is not this script's to restart: then it is unset.
#
# If PERDURE_TEST_POSTGRES is already set, that server is used as is: it must accept a connection, or this fails.
# Otherwise Debian's `postgresql` package is installed if its binaries are missing, and a private throwaway cluster is
# started: its own folder under the temp directory, its own free port on 127.0.0.1, run by a non-root user, password
# (SCRAM) authentication over TCP. Stopping it removes its folder; folders left by runs that were killed (their owner
# process is gone) are stopped and removed by the next start. Any failure exits non-zero and says why.

perdure_postgres_log() { printf 'eng/postgres.sh: %s\n' "$*" >&2; }

perdure_postgres_now() { printf '%s' "${EPOCHREALTIME/,/.}"; }

perdure_postgres_elapsed() { awk -v a="$1" -v b="$(perdure_postgres_now)" 'BEGIN { printf "%.1f s", b - a }'; }

# Runs a command as the user that owns the private cluster: root may not run the server, so it uses another user.
perdure_postgres_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$_perdure_pg_user" -- "$@"
  else
    "$@"
  fi
}

# Checks a connection string by connecting with psql, and prints the server's version. Npgsql keys are turned into
# libpq's environment variables (PGHOST, ...), so the password never appears on a command line.
perdure_postgres_check() {
  local connection_string="$1" psql="$2" pair key value
  local -a pairs vars=(PGCONNECT_TIMEOUT=10 PGAPPNAME=eng/postgres.sh)
  IFS=';' read -r -a pairs <<<"$connection_string"
  for pair in "${pairs[@]}"; do
    key="${pair%%=*}" value="${pair#*=}"
    key="$(printf '%s' "$key" | tr -d ' ' | tr '[:upper:]' '[:lower:]')"
    value="${value#"${value%%[![:space:]]*}"}" value="${value%"${value##*[![:space:]]}"}"
    case "$key" in
      host | server) vars+=("PGHOST=$value") ;;
      port) vars+=("PGPORT=$value") ;;
      username | user | userid) vars+=("PGUSER=$value") ;;
      password | pwd | psw) vars+=("PGPASSWORD=$value") ;;
      database | db) vars+=("PGDATABASE=$value") ;;
      sslmode)
        value="$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')"
        case "$value" in verifyca) value=verify-ca ;; verifyfull) value=verify-full ;; esac
        vars+=("PGSSLMODE=$value")
        ;;
    esac
  done
  env -u PGSERVICE -u PGPASSFILE "${vars[@]}" "$psql" -X -w -q -A -t -v ON_ERROR_STOP=1 \
    -c "SELECT current_setting('server_version') || ' on port ' || coalesce(inet_server_port()::text, current_setting('port'))"
}

# The newest PostgreSQL binaries on the machine: Debian keeps them in /usr/lib/postgresql/N/bin, off the PATH.
perdure_postgres_find_bindir() {
  local dir
  for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ] && [ -x "$dir/pg_isready" ] && [ -x "$dir/psql" ]; then
      printf '%s\n' "$dir"
      return 0
    fi
  done
  dir="$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")"
  if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/pg_isready" ] && [ -x "$dir/psql" ]; then
    printf '%s\n' "$dir"
    return 0
  fi
  return 1
}

# Installs a Debian package without questions, as root or through sudo without a password.
perdure_postgres_apt_install() {
  local -a sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      perdure_postgres_log "cannot install Debian's '$*' package: not root and no password-less sudo." \
        "Install it (apt-get install $*), or set PERDURE_TEST_POSTGRES to a server's connection string."
      return 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    perdure_postgres_log "cannot install '$*': this is not a Debian-like machine (no apt-get)." \
      "Install PostgreSQL, or set PERDURE_TEST_POSTGRES to a server's connection string."
    return 1
  fi
  local log
  log="$(mktemp)"
  # The package list is refreshed first: a fresh machine may have none, or one naming versions no longer served.
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=300 update >"$log" 2>&1 \
    || ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=300 \
      install --no-install-recommends "$@" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    rm -f "$log"
    perdure_postgres_log "apt-get could not install '$*' (its last lines are above)."
    return 1
  fi
  rm -f "$log"
}

# Stops the private clusters of earlier runs whose owner process is gone (a run killed before its trap could run).
perdure_postgres_remove_leftovers() {
  local dir pid start postmaster
  for dir in "$1"/perdure-pg.*; do
    [ -f "$dir/owner" ] || continue
    read -r pid start <"$dir/owner" || continue
    if [ -r "/proc/$pid/stat" ] && [ "$(awk '{ print $22 }' "/proc/$pid/stat" 2>/dev/null)" = "$start" ]; then
      continue
    fi
    if [ -f "$dir/data/postmaster.pid" ]; then
      postmaster="$(head -n 1 "$dir/data/postmaster.pid")"
      # SIGQUIT is PostgreSQL's immediate shutdown; the cluster is thrown away, so nothing needs to be flushed.
      kill -QUIT "$postmaster" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$postmaster" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir" 2>/dev/null && perdure_postgres_log "removed the leftover cluster $dir of an earlier run that was killed"
  done
  return 0
}

perdure_postgres_start() {
  if [ -n "${PERDURE_TEST_POSTGRES:-}" ]; then
    local psql version
    psql="$(command -v psql 2>/dev/null || true)"
    if [ -z "$psql" ]; then
      psql="$(perdure_postgres_find_bindir)/psql" 2>/dev/null || true
    fi
    if [ ! -x "$psql" ]; then
      perdure_postgres_log "psql is missing; installing Debian's postgresql-client to check PERDURE_TEST_POSTGRES"
      perdure_postgres_apt_install postgresql-client || return 1
      psql="$(command -v psql)"
    fi
    if ! version="$(perdure_postgres_check "$PERDURE_TEST_POSTGRES" "$psql" 2>&1)"; then
      perdure_postgres_log "cannot connect with PERDURE_TEST_POSTGRES: ${version//$'\n'/ }"
      perdure_postgres_log "fix the connection string (Npgsql format: Host=...;Port=...;Username=...;Password=...;Database=...)," \
        "or unset it to let eng/test.sh start a private PostgreSQL."
      return 1
    fi
    unset PERDURE_TEST_POSTGRES_RESTART
    perdure_postgres_log "using the PostgreSQL server PERDURE_TEST_POSTGRES names: PostgreSQL $version"
    return 0
  fi

  local started bindir
  if ! bindir="$(perdure_postgres_find_bindir)"; then
    perdure_postgres_log "PostgreSQL's server binaries are missing: installing Debian's postgresql package"
    local installing
    installing="$(perdure_postgres_now)"
    perdure_postgres_apt_install postgresql || return 1
    if ! bindir="$(perdure_postgres_find_bindir)"; then
      perdure_postgres_log "the postgresql package is installed but initdb, pg_ctl, postgres, pg_isready or psql is missing"
      return 1
    fi
    perdure_postgres_log "installed Debian's postgresql package in $(perdure_postgres_elapsed "$installing")"
  fi
  started="$(perdure_postgres_now)"

  _perdure_pg_user="$(id -un)"
  if [ "$(id -u)" -eq 0 ]; then
    # PostgreSQL refuses to run as root. Debian's package creates 'postgres'; binaries from elsewhere may not have.
    if id -u postgres >/dev/null 2>&1; then
      _perdure_pg_user=postgres
    else
      _perdure_pg_user=perdure-pg
      if ! id -u "$_perdure_pg_user" >/dev/null 2>&1 \
        && ! useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$_perdure_pg_user"; then
        perdure_postgres_log "cannot create the user '$_perdure_pg_user' to run PostgreSQL as (it refuses to run as root)"
        return 1
      fi
    fi
  fi

  local base="${TMPDIR:-/tmp}"
  if ! perdure_postgres_as_owner test -w "$base" -a -x "$base" 2>/dev/null; then
    base=/tmp
  fi
  perdure_postgres_remove_leftovers "$base"
  if ! _perdure_pg_dir="$(mktemp -d "$base/perdure-pg.XXXXXX")"; then
    perdure_postgres_log "cannot create a folder for the cluster under $base"
    return 1
  fi
  # The owner (this shell, with its start time against pid reuse) tells a later run whether the folder is a leftover.
  printf '%s %s\n' "$$" "$(awk '{ print $22 }' "/proc/$$/stat" 2>/dev/null || echo 0)" >"$_perdure_pg_dir/owner"
  [ "$(id -u)" -ne 0 ] || chown "$_perdure_pg_user" "$_perdure_pg_dir"

  local dir="$_perdure_pg_dir" password
  password="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  (umask 077 && printf '%s\n' "$password" >"$dir/pwfile")
  [ "$(id -u)" -ne 0 ] || chown "$_perdure_pg_user" "$dir/pwfile"

  # Local (socket) connections are trusted: the socket lies in this folder, which (like the socket) only the server's
  # user may open; TCP needs the password. initdb's own flush of the new files is skipped (--no-sync): the cluster is thrown away after
  # the run, so a crash during initdb only fails this run. The server itself keeps fsync and synchronous_commit on,
  # so the tests (and later the benchmarks) see what a durable commit costs on this disk.
  if ! (cd "$dir" && perdure_postgres_as_owner "$bindir/initdb" -D "$dir/data" -U perdure --pwfile="$dir/pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1); then
    tail -n 20 "$dir/initdb.log" >&2
    perdure_postgres_log "initdb failed (its last lines are above)"
    return 1
  fi
  rm -f "$dir/pwfile"
  {
    printf '\n# eng/postgres.sh: a private throwaway cluster, reachable on 127.0.0.1 only.\n'
    printf "listen_addresses = '127.0.0.1'\n"
    printf "unix_socket_directories = '%s'\n" "$dir"
    printf "unix_socket_permissions = 0700\n"
  } | perdure_postgres_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null

  # A random port that nothing listens on; if another process takes it before the server binds, try another.
  local port attempt log="" bound=""
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 12000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      continue
    fi
    log="$dir/server.$attempt.log"
    if (cd "$dir" && perdure_postgres_as_owner "$bindir/pg_ctl" start -D "$dir/data" -l "$log" \
        -o "-c port=$port" -w -t 60 >"$dir/pg_ctl.log" 2>&1); then
      bound=yes
      break
    fi
    if ! grep -qiE 'could not (bind|create any TCP/IP sockets)|address already in use' "$log" 2>/dev/null; then
      break
    fi
  done
  if [ -z "$bound" ]; then
    cat "$dir/pg_ctl.log" >&2 2>/dev/null || true
    [ -z "$log" ] || tail -n 20 "$log" >&2 2>/dev/null || true
    perdure_postgres_log "the PostgreSQL server did not start (pg_ctl's output and the server log's last lines are above)"
    return 1
  fi

  # pg_ctl -w saw the postmaster come up; wait, bounded, until it takes TCP connections as the tests will make them.
  local deadline=$((SECONDS + 30))
  until "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 20 "$log" >&2 2>/dev/null || true
      perdure_postgres_log "the server started but took no connection on port $port within 30 s"
      return 1
    fi
    sleep 0.1
  done

  local connection_string="Host=127.0.0.1;Port=$port;Username=perdure;Password=$password;Database=perdure" version
  if ! (cd "$dir" && perdure_postgres_as_owner "$bindir/psql" -X -q -h "$dir" -p "$port" -U perdure -d postgres \
      -c 'CREATE DATABASE perdure' >"$dir/psql.log" 2>&1) \
    || ! version="$(perdure_postgres_check "$connection_string" "$bindir/psql" 2>&1)"; then
    cat "$dir/psql.log" >&2 2>/dev/null || true
    perdure_postgres_log "the server started but refused the test connection: ${version:-}"
    return 1
  fi
  export PERDURE_TEST_POSTGRES="$connection_string"
  local -a restart=("$bindir/pg_ctl" restart -D "$dir/data" -m immediate -w -t 60 -l "$dir/server.restarted.log")
  [ "$(id -u)" -ne 0 ] || restart=(runuser -u "$_perdure_pg_user" -- "${restart[@]}")
  PERDURE_TEST_POSTGRES_RESTART="cd $(printf '%q' "$dir") && $(printf '%q ' "${restart[@]}")>/dev/null"
  export PERDURE_TEST_POSTGRES_RESTART
  perdure_postgres_log "using a private PostgreSQL $version (127.0.0.1, data in $dir), started in $(perdure_postgres_elapsed "$started")"
}

# Stops the private cluster and removes its folder; does nothing for a server given by PERDURE_TEST_POSTGRES.
perdure_postgres_stop() {
  local dir="${_perdure_pg_dir:-}"
  [ -n "$dir" ] || return 0
  _perdure_pg_dir=""
  local stopping bindir
  stopping="$(perdure_postgres_now)"
  bindir="$(perdure_postgres_find_bindir 2>/dev/null || true)"
  # Immediate shutdown skips the final checkpoint (half a second here): the cluster is deleted right after.
  if [ -f "$dir/data/postmaster.pid" ] && [ -n "$bindir" ]; then
    (cd "$dir" && perdure_postgres_as_owner "$bindir/pg_ctl" stop -D "$dir/data" -m immediate -w -t 30 >/dev/null 2>&1) \
      || { perdure_postgres_log "pg_ctl could not stop the server in $dir: killing it"
        kill -KILL "$(head -n 1 "$dir/data/postmaster.pid")" 2>/dev/null || true; }
  fi
  rm -rf "$dir"
  unset PERDURE_TEST_POSTGRES PERDURE_TEST_POSTGRES_RESTART
  perdure_postgres_log "stopped the private PostgreSQL (if it ran) and removed its folder in $(perdure_postgres_elapsed "$stopping")"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  trap perdure_postgres_stop EXIT
  perdure_postgres_start
  if [ "$#" -gt 0 ]; then
    "$@"
  fi
else
  perdure_postgres_start
fi
