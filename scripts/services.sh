#!/usr/bin/env bash
# Start (or reuse), stop and report the local PostgreSQL and Apache Kafka that FullPicture's
# distributed mode and integration tests use. No Docker: PostgreSQL from Debian's packages,
# Kafka from its jars on Maven Central, run as a single KRaft node.
#   scripts/services.sh up|down|status   (kafka-up|kafka-down: the broker alone)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PG_PORT="${FULLPICTURE_PG_PORT:-55432}"
PG_CLUSTER="fullpicture"
PG_URL="postgresql://fullpicture:fullpicture@127.0.0.1:${PG_PORT}/fullpicture"
KAFKA_PORT="${FULLPICTURE_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="$((KAFKA_PORT + 1))"
KAFKA_VERSION="4.3.1"
CACHE="${FULLPICTURE_CACHE_DIR:-$HOME/.cache/fullpicture}"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION/libs"
KAFKA_RUN="$CACHE/kafka-run-$KAFKA_PORT"
ENV_FILE=".fullpicture/services.env"

say() { echo "services: $*"; }

# --- PostgreSQL --------------------------------------------------------------------------------

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }

pg_answers() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }

pg_install() {
  if [ -z "$(pg_version)" ] || ! command -v pg_createcluster >/dev/null; then
    say "installing PostgreSQL from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
  fi
}

pg_up() {
  if pg_answers; then
    say "PostgreSQL already answers on 127.0.0.1:$PG_PORT"
  else
    pg_install
    local version; version="$(pg_version)"
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $PG_CLUSTER"; then
      say "creating PostgreSQL $version cluster '$PG_CLUSTER' on port $PG_PORT"
      pg_createcluster "$version" "$PG_CLUSTER" -p "$PG_PORT" -- --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    fi
    # A local development and test server: durability is traded for speed, and connections
    # stay on the loopback interface unencrypted (TLS cost ~5% of a rebuild's CPU).
    cat > "/etc/postgresql/$version/$PG_CLUSTER/conf.d/fullpicture.conf" <<CONF
listen_addresses = '127.0.0.1'
ssl = off
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
CONF
    say "starting PostgreSQL cluster '$PG_CLUSTER'"
    pg_ctlcluster "$version" "$PG_CLUSTER" start
    for _ in $(seq 1 60); do pg_answers && break; sleep 0.5; done
    pg_answers || { say "PostgreSQL did not start"; tail -n 20 "/var/log/postgresql/postgresql-$version-$PG_CLUSTER.log" || true; exit 1; }
  fi
  pg_ensure_role
}

pg_ensure_role() {
  if PGPASSWORD=fullpicture psql -q -h 127.0.0.1 -p "$PG_PORT" -U fullpicture -d fullpicture -c 'select 1' >/dev/null 2>&1; then
    return
  fi
  say "creating role and database 'fullpicture'"
  local psql_admin=(runuser -u postgres -- psql -q -p "$PG_PORT" -h /var/run/postgresql -v ON_ERROR_STOP=1)
  "${psql_admin[@]}" -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'fullpicture') THEN
        CREATE ROLE fullpicture LOGIN SUPERUSER PASSWORD 'fullpicture';
      END IF; END \$\$;" >/dev/null
  if ! "${psql_admin[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'fullpicture'" | grep -q 1; then
    "${psql_admin[@]}" -c "CREATE DATABASE fullpicture OWNER fullpicture" >/dev/null
  fi
}

pg_down() {
  local version; version="$(pg_version)"
  if [ -n "$version" ] && pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version $PG_CLUSTER"; then
    pg_ctlcluster "$version" "$PG_CLUSTER" stop 2>/dev/null || true
  fi
  say "PostgreSQL stopped"
}

# --- Apache Kafka ------------------------------------------------------------------------------

kafka_answers() { python3 "$HERE/kafka_ping.py" "127.0.0.1:$KAFKA_PORT"; }

kafka_fetch() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then return; fi
  say "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"; mkdir -p "$KAFKA_LIBS"
  mvn -q -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime
  touch "$KAFKA_LIBS/.complete"
}

kafka_configure() {
  mkdir -p "$KAFKA_RUN/data"
  cat > "$KAFKA_RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_RUN/data
num.partitions=3
auto.create.topics.enable=true
log.retention.ms=-1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
PROPS
  if [ ! -f "$KAFKA_RUN/data/meta.properties" ]; then
    say "formatting Kafka storage"
    local cluster_id
    cluster_id="$(java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format --standalone \
        -t "$cluster_id" -c "$KAFKA_RUN/server.properties" >"$KAFKA_RUN/format.log" 2>&1 \
      || { cat "$KAFKA_RUN/format.log"; exit 1; }
  fi
}

kafka_up() {
  if kafka_answers; then
    say "Kafka already answers on 127.0.0.1:$KAFKA_PORT"
    return
  fi
  kafka_fetch
  kafka_configure
  say "starting Kafka (KRaft, broker + controller) on 127.0.0.1:$KAFKA_PORT"
  : > "$KAFKA_RUN/server.log"
  setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC \
      -Dkafka.logs.dir="$KAFKA_RUN" \
      -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_RUN/server.properties" \
      >"$KAFKA_RUN/stdout.log" 2>&1 < /dev/null &
  echo $! > "$KAFKA_RUN/kafka.pid"
  local pid; pid="$(cat "$KAFKA_RUN/kafka.pid")"
  printf 'services: waiting for Kafka'
  for _ in $(seq 1 180); do
    if kafka_answers; then echo " up"; return; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo; say "Kafka exited during start; last log lines:"
      tail -n 30 "$KAFKA_RUN/stdout.log" "$KAFKA_RUN/server.log" || true
      exit 1
    fi
    printf '.'; sleep 0.5
  done
  echo; say "Kafka did not answer within 90 s"; tail -n 30 "$KAFKA_RUN/server.log" || true; exit 1
}

kafka_down() {
  local pidfile="$KAFKA_RUN/kafka.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    local pid; pid="$(cat "$pidfile")"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" || true
  fi
  rm -f "$pidfile"
  say "Kafka stopped"
}

# --- commands ----------------------------------------------------------------------------------

write_env() {
  mkdir -p "$(dirname "$ENV_FILE")"
  cat > "$ENV_FILE" <<ENV
export FULLPICTURE_DATABASE_URL=$PG_URL
export FULLPICTURE_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT
ENV
  say "settings written to $ENV_FILE:"
  sed 's/^/  /' "$ENV_FILE"
}

status() {
  if pg_answers; then say "PostgreSQL up   127.0.0.1:$PG_PORT"; else say "PostgreSQL down 127.0.0.1:$PG_PORT"; fi
  if kafka_answers; then say "Kafka      up   127.0.0.1:$KAFKA_PORT"; else say "Kafka      down 127.0.0.1:$KAFKA_PORT"; fi
}

case "${1:-}" in
  up) pg_up; kafka_up; write_env ;;
  down) kafka_down; pg_down ;;
  status) status ;;
  kafka-up) kafka_up ;;      # just the broker (tests use a private one on another port)
  kafka-down) kafka_down ;;
  *) echo "usage: $0 up|down|status|kafka-up|kafka-down" >&2; exit 2 ;;
esac
