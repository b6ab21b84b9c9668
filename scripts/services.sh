#!/usr/bin/env bash
# Start (or reuse), stop and report the local PostgreSQL and Apache Kafka that FullPicture's
# distributed mode and integration tests use. No Docker: PostgreSQL from Debian's packages,
# Kafka from its jars on Maven Central, run as a single KRaft node.
#   scripts/services.sh up|down|status   (kafka-up|kafka-down: the broker alone)
#
# Both are secured as a deployment would be (TRUST.md, "Servers"): the broker accepts only SASL
# SCRAM-SHA-512 clients and authorizes every request with ACLs (StandardAuthorizer, nothing allowed
# without an ACL); each FullPicture service gets its own principal with only the ACLs its job needs
# (`fullpicture kafka setup`). PostgreSQL answers only password clients (scram-sha-256, no `trust`;
# the operating system's `postgres` user alone by peer on the socket), with passwords generated
# once per cluster: an owner role owns the database and the event tables, the application role
# may only read and append to those (TRUST.md, "Servers"), an admin role makes throwaway databases.
#
# Overrides (for a second, private set of servers beside the usual ones):
#   FULLPICTURE_PG_PORT, FULLPICTURE_PG_CLUSTER, FULLPICTURE_KAFKA_PORT, FULLPICTURE_CACHE_DIR,
#   FULLPICTURE_KAFKA_ADMIN_PASSWORD (the broker's super user's password, fixed instead of random),
#   FULLPICTURE_PG_DURABLE=1 (fsync, synchronous_commit and full_page_writes on, as a deployment
#   runs; applied when the cluster starts, so give it its own cluster or restart it with pg-down),
#   FULLPICTURE_SERVICES_ENV_FILE (where the settings are written; .fullpicture/services.env),
#   FULLPICTURE_KAFKA_LISTENER_PROTOCOL=SASL_SSL with FULLPICTURE_KAFKA_SSL_KEYSTORE,
#   FULLPICTURE_KAFKA_SSL_KEYSTORE_PASSWORD, FULLPICTURE_KAFKA_SSL_TRUSTSTORE and
#   FULLPICTURE_KAFKA_SSL_TRUSTSTORE_PASSWORD (PKCS12 files) to serve TLS instead of loopback plain.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$HERE")"
PG_PORT="${FULLPICTURE_PG_PORT:-55432}"
PG_CLUSTER="${FULLPICTURE_PG_CLUSTER:-fullpicture}"
PG_APP_ROLE="fullpicture"
# Owns the database and its event tables; only `fullpicture init` (and this script) connect as it.
PG_OWNER_ROLE="fullpicture_owner"
# Creates and drops the test suite's and the bench's throwaway databases.
PG_ADMIN_ROLE="fullpicture_admin"
# The three roles' passwords, generated when this script first sets the cluster up (0600).
PG_CREDENTIALS="${FULLPICTURE_CACHE_DIR:-$HOME/.cache/fullpicture}/postgres-$PG_CLUSTER-$PG_PORT/credentials.env"
KAFKA_PORT="${FULLPICTURE_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="$((KAFKA_PORT + 1))"
KAFKA_VERSION="4.3.1"
KAFKA_LISTENER="${FULLPICTURE_KAFKA_LISTENER_PROTOCOL:-SASL_PLAINTEXT}"
KAFKA_MECHANISM="SCRAM-SHA-512"
CACHE="${FULLPICTURE_CACHE_DIR:-$HOME/.cache/fullpicture}"
# The classpath's folder is named after the pom, so a changed pom never reuses (or deletes) jars
# a running broker was started from.
KAFKA_POM_SUM="$(sha256sum "$HERE/kafka/pom.xml" | cut -c1-8)"
KAFKA_LIBS="$CACHE/kafka-$KAFKA_VERSION-$KAFKA_POM_SUM/libs"
KAFKA_RUN="$CACHE/kafka-run-$KAFKA_PORT"
# Written when the storage is formatted: the super user's and the controller's passwords.
KAFKA_CREDENTIALS="$KAFKA_RUN/credentials.env"
# Written by `fullpicture kafka setup`: one principal per FullPicture service.
KAFKA_SERVICE_CREDENTIALS="$KAFKA_RUN/service-credentials.env"
ENV_FILE="${FULLPICTURE_SERVICES_ENV_FILE:-.fullpicture/services.env}"
VENV_PYTHON="$REPO/.venv/bin/python"

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
      pg_createcluster "$version" "$PG_CLUSTER" -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    fi
    # A local development and test server: durability is traded for speed (unless
    # FULLPICTURE_PG_DURABLE=1), and connections stay on the loopback interface unencrypted (TLS
    # cost ~5% of a rebuild's CPU).
    local durability="off"
    if [ "${FULLPICTURE_PG_DURABLE:-0}" = "1" ]; then durability="on"; fi
    cat > "/etc/postgresql/$version/$PG_CLUSTER/conf.d/fullpicture.conf" <<CONF
listen_addresses = '127.0.0.1'
ssl = off
password_encryption = 'scram-sha-256'
fsync = $durability
synchronous_commit = $durability
full_page_writes = $durability
# An erased child's rows leave the write-ahead log with the segment that recorded them: at the
# checkpoint after it, an old segment is removed, not renamed for reuse with its bytes intact.
wal_recycle = off
max_connections = 200
shared_buffers = 256MB
CONF
    pg_write_hba "$version"
    say "starting PostgreSQL cluster '$PG_CLUSTER'"
    pg_ctlcluster "$version" "$PG_CLUSTER" start
    for _ in $(seq 1 60); do pg_answers && break; sleep 0.5; done
    pg_answers || { say "PostgreSQL did not start"; tail -n 20 "/var/log/postgresql/postgresql-$version-$PG_CLUSTER.log" || true; exit 1; }
  fi
  pg_require_passwords
  pg_ensure_roles
  pg_prepare_event_tables
}

# Who may connect, and how: every role by password (scram-sha-256), on the socket and on
# loopback; the operating system's `postgres` user by peer on the socket (this script's own
# administration). No `trust`. A cluster set up by an older version of this script (`trust` on
# the socket) is brought to this and reloaded.
pg_write_hba() {
  local version="$1" hba="/etc/postgresql/$1/$PG_CLUSTER/pg_hba.conf"
  [ -f "$hba" ] || return 0
  local wanted
  wanted="$(cat <<HBA
# Written by FullPicture's scripts/services.sh: passwords (scram-sha-256) only, no trust.
local   all  postgres                 peer
local   all  all                      scram-sha-256
host    all  all       127.0.0.1/32   scram-sha-256
host    all  all       ::1/128        scram-sha-256
HBA
)"
  if [ "$(cat "$hba")" != "$wanted" ]; then
    printf '%s\n' "$wanted" > "$hba"
    if pg_answers; then
      say "PostgreSQL cluster '$PG_CLUSTER': password authentication only (no trust); reloading"
      pg_ctlcluster "$version" "$PG_CLUSTER" reload
    fi
  fi
}

pg_credential() { sed -n "s/^$1=//p" "$PG_CREDENTIALS"; }

# Generated once per cluster and kept (0600) beside the cache, so every worktree's services file
# names the same passwords; the roles are given them each time this runs.
pg_require_passwords() {
  if [ ! -s "$PG_CREDENTIALS" ]; then
    say "generating PostgreSQL passwords for cluster '$PG_CLUSTER' into $PG_CREDENTIALS"
    mkdir -p "$(dirname "$PG_CREDENTIALS")"
    (umask 077; cat > "$PG_CREDENTIALS" <<CREDENTIALS
PG_APP_PASSWORD=$(new_password)
PG_OWNER_PASSWORD=$(new_password)
PG_ADMIN_PASSWORD=$(new_password)
CREDENTIALS
    )
  fi
  chmod 600 "$PG_CREDENTIALS"
}

pg_url() { echo "postgresql://$1:$(pg_credential "$2")@127.0.0.1:${PG_PORT}/fullpicture"; }

# The owner role owns the database and the event tables; the application role may connect and
# make its own read models, and on the event tables only read and append (granted by
# `pg_prepare_event_tables`). Neither is a superuser or may create roles or databases (an older
# setup made the application role a superuser and the owner of everything: taken away here).
# The admin role may only create databases; it is a member of the owner and application roles so
# the databases it makes (tests, the bench) may be owned by either and dropped again;
# pg_signal_backend lets `DROP DATABASE … WITH (FORCE)` end an autovacuum worker still busy there.
pg_ensure_roles() {
  local version; version="$(pg_version)"
  if [ -d "/etc/postgresql/$version/$PG_CLUSTER" ]; then pg_write_hba "$version"; fi
  local psql_admin=(runuser -u postgres -- psql -q -p "$PG_PORT" -h /var/run/postgresql -v ON_ERROR_STOP=1)
  if ! "${psql_admin[@]}" -c 'select 1' >/dev/null 2>&1; then
    say "PostgreSQL on 127.0.0.1:$PG_PORT is not a local cluster this script can administer"
    say "(it needs the 'postgres' operating-system user); create the roles as README describes"
    exit 1
  fi
  local role
  for role in "$PG_APP_ROLE" "$PG_OWNER_ROLE" "$PG_ADMIN_ROLE"; do
    "${psql_admin[@]}" -c "DO \$\$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN CREATE ROLE $role; END IF;
        IF EXISTS (SELECT FROM pg_roles WHERE rolname = '$role' AND rolsuper) THEN
          RAISE NOTICE 'role $role was a superuser: it no longer is';
        END IF;
      END \$\$;" 2>&1 | sed 's/^\(psql:[^ ]* \)\{0,1\}NOTICE: */services: /'
  done
  "${psql_admin[@]}" <<SQL 2>&1 >/dev/null | { grep -v 'already a member' || true; }
ALTER ROLE $PG_APP_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$(pg_credential PG_APP_PASSWORD)';
ALTER ROLE $PG_OWNER_ROLE LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$(pg_credential PG_OWNER_PASSWORD)';
ALTER ROLE $PG_ADMIN_ROLE LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '$(pg_credential PG_ADMIN_PASSWORD)';
GRANT $PG_APP_ROLE TO $PG_ADMIN_ROLE;
GRANT $PG_OWNER_ROLE TO $PG_ADMIN_ROLE;
GRANT pg_signal_backend TO $PG_ADMIN_ROLE;
SQL
  if ! "${psql_admin[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'fullpicture'" | grep -q 1; then
    say "creating database 'fullpicture' owned by role '$PG_OWNER_ROLE'"
    "${psql_admin[@]}" -c "CREATE DATABASE fullpicture OWNER $PG_OWNER_ROLE" >/dev/null
  fi
  # An older setup let the application role own the database and its event tables.
  "${psql_admin[@]}" -d fullpicture >/dev/null <<SQL
ALTER DATABASE fullpicture OWNER TO $PG_OWNER_ROLE;
ALTER SCHEMA public OWNER TO pg_database_owner;
DO \$\$ DECLARE event_table text; BEGIN
  FOR event_table IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
      AND tablename IN ('fullpicture_events', 'directory_events', 'accesslog_events')
      AND tableowner <> '$PG_OWNER_ROLE' LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO $PG_OWNER_ROLE', event_table);
  END LOOP;
END \$\$;
SQL
}

# The event tables made (as the owner) and the application role's privileges on them granted.
pg_prepare_event_tables() {
  if [ ! -x "$VENV_PYTHON" ]; then
    say "no $VENV_PYTHON: run 'make install' first (the event tables are made by fullpicture.tools.event_tables)"
    exit 1
  fi
  "$VENV_PYTHON" -m fullpicture.tools.event_tables \
    --owner "$(pg_url "$PG_OWNER_ROLE" PG_OWNER_PASSWORD)" \
    --application-role "$PG_APP_ROLE" | sed 's/^/services:   /'
}

pg_down() {
  local version; version="$(pg_version)"
  if [ -n "$version" ] && pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version $PG_CLUSTER"; then
    pg_ctlcluster "$version" "$PG_CLUSTER" stop 2>/dev/null || true
  fi
  say "PostgreSQL stopped"
}

# --- Apache Kafka ------------------------------------------------------------------------------

KAFKA_PING_TLS=""
if [ "$KAFKA_LISTENER" = "SASL_SSL" ]; then KAFKA_PING_TLS="--tls"; fi

kafka_answers() { python3 "$HERE/kafka_ping.py" $KAFKA_PING_TLS "127.0.0.1:$KAFKA_PORT"; }

# Answers only SASL SCRAM-SHA-512 clients (a PLAINTEXT broker refuses the SASL handshake).
kafka_secured() {
  python3 "$HERE/kafka_ping.py" $KAFKA_PING_TLS --sasl "$KAFKA_MECHANISM" "127.0.0.1:$KAFKA_PORT"
}

kafka_fetch() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then return; fi
  say "fetching Apache Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  rm -rf "$KAFKA_LIBS"; mkdir -p "$KAFKA_LIBS"
  mvn -q -B -Dstyle.color=never -f "$HERE/kafka/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime > "$CACHE/maven.log" 2>&1 \
    || { cat "$CACHE/maven.log"; exit 1; }
  touch "$KAFKA_LIBS/.complete"
}

new_password() { python3 -c 'import secrets; print(secrets.token_urlsafe(24))'; }

kafka_credential() { sed -n "s/^$1=//p" "$KAFKA_CREDENTIALS"; }

# Storage formatted by an older, unsecured setup (no admin credential in its metadata), or with a
# different admin password than asked for, holds only local test data: it is formatted afresh.
kafka_storage_is_current() {
  [ -f "$KAFKA_RUN/data/meta.properties" ] && [ -f "$KAFKA_CREDENTIALS" ] || return 1
  [ -z "${FULLPICTURE_KAFKA_ADMIN_PASSWORD:-}" ] \
    || [ "$(kafka_credential KAFKA_ADMIN_PASSWORD)" = "$FULLPICTURE_KAFKA_ADMIN_PASSWORD" ]
}

kafka_configure() {
  mkdir -p "$KAFKA_RUN"
  if ! kafka_storage_is_current; then
    if [ -d "$KAFKA_RUN/data" ]; then
      say "Kafka storage in $KAFKA_RUN was formatted without the secured setup: formatting it afresh"
    fi
    rm -rf "$KAFKA_RUN/data" "$KAFKA_SERVICE_CREDENTIALS"
    (umask 077; cat > "$KAFKA_CREDENTIALS" <<CREDENTIALS
KAFKA_ADMIN_USER=admin
KAFKA_ADMIN_PASSWORD=${FULLPICTURE_KAFKA_ADMIN_PASSWORD:-$(new_password)}
KAFKA_CONTROLLER_PASSWORD=$(new_password)
CREDENTIALS
    )
  fi
  mkdir -p "$KAFKA_RUN/data"
  local admin_password controller_password listener_lower ssl_settings=""
  admin_password="$(kafka_credential KAFKA_ADMIN_PASSWORD)"
  controller_password="$(kafka_credential KAFKA_CONTROLLER_PASSWORD)"
  listener_lower="$(echo "$KAFKA_LISTENER" | tr '[:upper:]' '[:lower:]')"
  case "$KAFKA_LISTENER" in
    SASL_PLAINTEXT) ;;
    SASL_SSL)
      ssl_settings="ssl.keystore.type=PKCS12
ssl.keystore.location=${FULLPICTURE_KAFKA_SSL_KEYSTORE:?SASL_SSL needs FULLPICTURE_KAFKA_SSL_KEYSTORE}
ssl.keystore.password=${FULLPICTURE_KAFKA_SSL_KEYSTORE_PASSWORD:?SASL_SSL needs FULLPICTURE_KAFKA_SSL_KEYSTORE_PASSWORD}
ssl.truststore.type=PKCS12
ssl.truststore.location=${FULLPICTURE_KAFKA_SSL_TRUSTSTORE:?SASL_SSL needs FULLPICTURE_KAFKA_SSL_TRUSTSTORE}
ssl.truststore.password=${FULLPICTURE_KAFKA_SSL_TRUSTSTORE_PASSWORD:?SASL_SSL needs FULLPICTURE_KAFKA_SSL_TRUSTSTORE_PASSWORD}" ;;
    *) say "FULLPICTURE_KAFKA_LISTENER_PROTOCOL: expected SASL_PLAINTEXT or SASL_SSL, got $KAFKA_LISTENER"; exit 2 ;;
  esac
  (umask 077; cat > "$KAFKA_RUN/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$KAFKA_LISTENER://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$KAFKA_LISTENER://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=$KAFKA_LISTENER
listener.security.protocol.map=$KAFKA_LISTENER:$KAFKA_LISTENER,CONTROLLER:SASL_PLAINTEXT
# Clients and the broker itself: SASL SCRAM-SHA-512, the broker as the super user 'admin'.
sasl.enabled.mechanisms=$KAFKA_MECHANISM
sasl.mechanism.inter.broker.protocol=$KAFKA_MECHANISM
listener.name.$listener_lower.${KAFKA_MECHANISM,,}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_password";
# SCRAM cannot guard the controller listener (its credentials live in the metadata the controller
# serves), so the controller authenticates with PLAIN and a static user on loopback.
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$controller_password" user_controller="$controller_password";
# Every request is authorized; without an ACL nothing is allowed.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:controller
# A session re-authenticates at least this often (ms): a rotated or deleted password ends the
# sessions opened with it within 10 minutes, instead of never.
connections.max.reauth.ms=600000
$ssl_settings
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
  )
  if [ ! -f "$KAFKA_RUN/data/meta.properties" ]; then
    say "formatting Kafka storage (super user 'admin' with a SCRAM-SHA-512 credential)"
    local cluster_id
    cluster_id="$(java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
    (umask 077; java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format --standalone \
        -t "$cluster_id" -c "$KAFKA_RUN/server.properties" \
        --add-scram "$KAFKA_MECHANISM=[name=admin,password=$admin_password]" \
        >"$KAFKA_RUN/format.log" 2>&1) \
      || { cat "$KAFKA_RUN/format.log"; exit 1; }
  fi
}

# A broker already on the port is used only if it is the secured one this script set up.
kafka_check_running() {
  if ! kafka_secured; then
    say "a Kafka broker on 127.0.0.1:$KAFKA_PORT accepts clients without authentication"
    say "(PLAINTEXT, an older setup). Stop it (scripts/services.sh kafka-down, or its own way) and"
    say "run this again: the broker is then started with SASL SCRAM-SHA-512 and ACLs."
    exit 1
  fi
  if [ ! -f "$KAFKA_CREDENTIALS" ]; then
    say "a secured Kafka broker answers on 127.0.0.1:$KAFKA_PORT, but its admin credentials are not"
    say "in $KAFKA_CREDENTIALS: it was not started by this script. Stop it, or run FullPicture"
    say "against it as README describes (\"An existing secured cluster\")."
    exit 1
  fi
  say "secured Kafka already answers on 127.0.0.1:$KAFKA_PORT"
}

kafka_up() {
  if kafka_answers; then
    kafka_check_running
    return
  fi
  kafka_fetch
  kafka_configure
  say "starting Kafka (KRaft, broker + controller, SASL $KAFKA_MECHANISM + ACLs) on 127.0.0.1:$KAFKA_PORT"
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
    if kafka_answers && kafka_secured; then echo " up"; return; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo; say "Kafka exited during start; last log lines:"
      tail -n 30 "$KAFKA_RUN/stdout.log" "$KAFKA_RUN/server.log" || true
      exit 1
    fi
    printf '.'; sleep 0.5
  done
  echo; say "Kafka did not answer within 90 s"; tail -n 30 "$KAFKA_RUN/server.log" || true; exit 1
}

# Each FullPicture service's principal and ACLs, created (or confirmed) as the super user.
kafka_setup_services() {
  if [ ! -x "$VENV_PYTHON" ]; then
    say "no $VENV_PYTHON: run 'make install' first (the service principals are made by 'fullpicture kafka setup')"
    exit 1
  fi
  say "creating the FullPicture service principals and their ACLs (fullpicture kafka setup)"
  env -u FULLPICTURE_TOPIC_PREFIX \
    FULLPICTURE_KAFKA_BOOTSTRAP="127.0.0.1:$KAFKA_PORT" \
    FULLPICTURE_KAFKA_SECURITY_PROTOCOL="$KAFKA_LISTENER" \
    FULLPICTURE_KAFKA_SASL_MECHANISM="$KAFKA_MECHANISM" \
    FULLPICTURE_KAFKA_USERNAME=admin \
    FULLPICTURE_KAFKA_PASSWORD="$(kafka_credential KAFKA_ADMIN_PASSWORD)" \
    "$VENV_PYTHON" -m fullpicture.cli kafka setup --env-file "$KAFKA_SERVICE_CREDENTIALS" \
    | sed 's/^/services:   /'
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

# One file for every local process: the shared settings, then each service's own Kafka principal
# (FULLPICTURE_KAFKA_<SERVICE>_USERNAME/_PASSWORD), then the administrative credentials that only
# `fullpicture kafka setup`, `agency register`, the bench and the test suite use.
write_env() {
  mkdir -p "$(dirname "$ENV_FILE")"
  (umask 077; {
    echo "export FULLPICTURE_DATABASE_URL=$(pg_url "$PG_APP_ROLE" PG_APP_PASSWORD)"
    echo "export FULLPICTURE_KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT"
    echo "export FULLPICTURE_KAFKA_SECURITY_PROTOCOL=$KAFKA_LISTENER"
    echo "export FULLPICTURE_KAFKA_SASL_MECHANISM=$KAFKA_MECHANISM"
    cat "$KAFKA_SERVICE_CREDENTIALS"
    echo "# administrative: creating principals, the bench's and tests' throwaway databases and topics"
    echo "export FULLPICTURE_KAFKA_ADMIN_USERNAME=admin"
    echo "export FULLPICTURE_KAFKA_ADMIN_PASSWORD=$(kafka_credential KAFKA_ADMIN_PASSWORD)"
    echo "export FULLPICTURE_ADMIN_DATABASE_URL=$(pg_url "$PG_ADMIN_ROLE" PG_ADMIN_PASSWORD)"
    echo "export FULLPICTURE_OWNER_DATABASE_URL=$(pg_url "$PG_OWNER_ROLE" PG_OWNER_PASSWORD)"
  } > "$ENV_FILE")
  chmod 600 "$ENV_FILE"
  say "settings written to $ENV_FILE (passwords not shown):"
  sed 's/PASSWORD=.*/PASSWORD=…/; s#://\([^:]*\):[^@]*@#://\1:…@#' "$ENV_FILE" | sed 's/^/  /'
}

status() {
  if pg_answers; then say "PostgreSQL up   127.0.0.1:$PG_PORT"; else say "PostgreSQL down 127.0.0.1:$PG_PORT"; fi
  if kafka_answers; then say "Kafka      up   127.0.0.1:$KAFKA_PORT"; else say "Kafka      down 127.0.0.1:$KAFKA_PORT"; fi
}

case "${1:-}" in
  up) pg_up; kafka_up; kafka_setup_services; write_env ;;
  pg-up) pg_up ;;            # just PostgreSQL (the soak restarts its private one)
  pg-down) pg_down ;;
  down) kafka_down; pg_down ;;
  status) status ;;
  kafka-up) kafka_up ;;      # just the broker (tests use a private one on another port)
  kafka-down) kafka_down ;;
  *) echo "usage: $0 up|down|status|pg-up|pg-down|kafka-up|kafka-down" >&2; exit 2 ;;
esac
