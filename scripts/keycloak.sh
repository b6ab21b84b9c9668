#!/usr/bin/env bash
# A local Keycloak: the real OpenID Connect provider the dashboard's sign-in is tested against.
# The server distribution comes from Maven Central (scripts/keycloak/pom.xml), cached under
# ~/.cache/fullpicture, and runs in development mode on loopback (Java 17).
#   scripts/keycloak.sh fetch|up|down|status
# `up` prints nothing else on its last line than the base URL; the admin account is for this
# loopback test server only (KC_BOOTSTRAP_ADMIN_USERNAME / KC_BOOTSTRAP_ADMIN_PASSWORD).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KEYCLOAK_VERSION="26.4.5"
KEYCLOAK_PORT="${FULLPICTURE_KEYCLOAK_PORT:-18080}"
CACHE="${FULLPICTURE_CACHE_DIR:-$HOME/.cache/fullpicture}"
KEYCLOAK_HOME="$CACHE/keycloak-$KEYCLOAK_VERSION"
KEYCLOAK_RUN="$CACHE/keycloak-run-$KEYCLOAK_PORT"
URL="http://127.0.0.1:$KEYCLOAK_PORT"
ADMIN_USER="${FULLPICTURE_KEYCLOAK_ADMIN:-admin}"
ADMIN_PASSWORD="${FULLPICTURE_KEYCLOAK_ADMIN_PASSWORD:-fullpicture-keycloak-admin}"

say() { echo "keycloak: $*" >&2; }

answers() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$URL/realms/master/.well-known/openid-configuration" 2>/dev/null
}

fetch() {
  if [ -x "$KEYCLOAK_HOME/bin/kc.sh" ]; then return; fi
  say "fetching Keycloak $KEYCLOAK_VERSION from Maven Central into $CACHE"
  local unpack="$CACHE/keycloak-unpack.$$"
  rm -rf "$unpack"; mkdir -p "$unpack"
  mvn -q -B -f "$HERE/keycloak/pom.xml" dependency:unpack-dependencies \
      -DincludeTypes=zip -DoutputDirectory="$unpack" -DmarkersDirectory="$unpack/.markers"
  rm -rf "$KEYCLOAK_HOME"
  mv "$unpack/keycloak-$KEYCLOAK_VERSION" "$KEYCLOAK_HOME"
  rm -rf "$unpack"
}

up() {
  if answers; then
    say "already answers on $URL"
    echo "$URL"
    return
  fi
  fetch
  mkdir -p "$KEYCLOAK_RUN"
  say "starting Keycloak (development mode) on $URL"
  KC_BOOTSTRAP_ADMIN_USERNAME="$ADMIN_USER" KC_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  JAVA_OPTS_KC_HEAP="-Xms64m -Xmx512m" \
    setsid nohup "$KEYCLOAK_HOME/bin/kc.sh" start-dev --http-port "$KEYCLOAK_PORT" \
      --http-host 127.0.0.1 \
      >"$KEYCLOAK_RUN/server.log" 2>&1 < /dev/null &
  echo $! > "$KEYCLOAK_RUN/keycloak.pid"
  local pid; pid="$(cat "$KEYCLOAK_RUN/keycloak.pid")"
  for _ in $(seq 1 240); do
    if answers; then say "up"; echo "$URL"; return; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      say "Keycloak exited during start; last log lines:"; tail -n 30 "$KEYCLOAK_RUN/server.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  say "Keycloak did not answer within 120 s"; tail -n 30 "$KEYCLOAK_RUN/server.log" >&2; exit 1
}

down() {
  local pidfile="$KEYCLOAK_RUN/keycloak.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    local pid; pid="$(cat "$pidfile")"
    kill -- "-$pid" 2>/dev/null || kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "stopped"
}

case "${1:-}" in
  fetch) fetch ;;
  up) up ;;
  down) down ;;
  status) if answers; then say "up on $URL"; else say "down ($URL)"; exit 1; fi ;;
  *) echo "usage: $0 fetch|up|down|status" >&2; exit 2 ;;
esac
