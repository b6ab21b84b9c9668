#!/usr/bin/env bash
# `make soak`: the chaos soak against a private PostgreSQL and Kafka broker of its own, which it
# may stop and start (never the shared servers `make services` runs). The servers are started
# here, `fullpicture soak` restarts them through this folder's services.sh, and they are stopped
# at the end. With --durable the PostgreSQL cluster is a separate one with fsync,
# synchronous_commit and full_page_writes on.
#   scripts/soak.sh [fullpicture soak options…]
# Ports: FULLPICTURE_SOAK_PG_PORT (55472; 55473 with --durable), FULLPICTURE_SOAK_KAFKA_PORT (35092).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
cd "$REPO"

durable=0
for argument in "$@"; do [ "$argument" = "--durable" ] && durable=1; done
# Nothing of the shared servers' settings (a sourced services.env) may reach the private ones.
for name in $(compgen -e | grep '^FULLPICTURE_' | grep -v '^FULLPICTURE_SOAK_\|^FULLPICTURE_CACHE_DIR$'); do
  unset "$name"
done
export FULLPICTURE_KAFKA_PORT="${FULLPICTURE_SOAK_KAFKA_PORT:-35092}"
if [ "$durable" = 1 ]; then
  export FULLPICTURE_PG_PORT="${FULLPICTURE_SOAK_PG_PORT:-55473}" FULLPICTURE_PG_CLUSTER=fpsoakdurable
  export FULLPICTURE_PG_DURABLE=1
else
  export FULLPICTURE_PG_PORT="${FULLPICTURE_SOAK_PG_PORT:-55472}" FULLPICTURE_PG_CLUSTER=fpsoak
  export FULLPICTURE_PG_DURABLE=0
fi
export FULLPICTURE_SERVICES_ENV_FILE=".fullpicture/soak-services.env"

stop_servers() { bash "$HERE/services.sh" down >/dev/null 2>&1 || true; }
trap stop_servers EXIT
bash "$HERE/services.sh" up
# shellcheck disable=SC1090
. "$FULLPICTURE_SERVICES_ENV_FILE"
export FULLPICTURE_SOAK_SERVICES_SCRIPT="$HERE/services.sh"
"$REPO/.venv/bin/fullpicture" soak "$@"
