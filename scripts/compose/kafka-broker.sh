#!/usr/bin/env bash
# The docker-compose broker, secured as the local one from scripts/services.sh: a SASL SCRAM-SHA-512
# client listener (SASL_PLAINTEXT on the compose network, or SASL_SSL with a keystore), the
# StandardAuthorizer with nothing allowed without an ACL, and one super user 'admin' whose
# credential is written into the storage when it is formatted. Runs in the apache/kafka image.
set -euo pipefail

: "${KAFKA_ADMIN_PASSWORD:?set FULLPICTURE_KAFKA_ADMIN_PASSWORD (see README, With Docker)}"
: "${KAFKA_CONTROLLER_PASSWORD:?set FULLPICTURE_KAFKA_CONTROLLER_PASSWORD}"
LISTENER="${KAFKA_CLIENT_LISTENER_PROTOCOL:-SASL_PLAINTEXT}"
MECHANISM="SCRAM-SHA-512"
KAFKA_HOME="${KAFKA_HOME:-/opt/kafka}"
DATA="${KAFKA_DATA_DIR:-/var/lib/kafka/data}"
HOST="${KAFKA_ADVERTISED_HOST:-kafka}"
CONFIG=/tmp/fullpicture-broker.properties

ssl_settings=""
if [ "$LISTENER" = "SASL_SSL" ]; then
  ssl_settings="ssl.keystore.type=PKCS12
ssl.keystore.location=${KAFKA_SSL_KEYSTORE:?SASL_SSL needs KAFKA_SSL_KEYSTORE}
ssl.keystore.password=${KAFKA_SSL_KEYSTORE_PASSWORD:?SASL_SSL needs KAFKA_SSL_KEYSTORE_PASSWORD}
ssl.truststore.type=PKCS12
ssl.truststore.location=${KAFKA_SSL_TRUSTSTORE:?SASL_SSL needs KAFKA_SSL_TRUSTSTORE}
ssl.truststore.password=${KAFKA_SSL_TRUSTSTORE_PASSWORD:?SASL_SSL needs KAFKA_SSL_TRUSTSTORE_PASSWORD}"
fi
listener_lower="$(echo "$LISTENER" | tr '[:upper:]' '[:lower:]')"

umask 077
cat > "$CONFIG" <<PROPS
process.roles=${KAFKA_PROCESS_ROLES:-broker,controller}
node.id=1
controller.quorum.bootstrap.servers=$HOST:9093
listeners=$LISTENER://:9092,CONTROLLER://:9093
advertised.listeners=$LISTENER://$HOST:9092
controller.listener.names=CONTROLLER
inter.broker.listener.name=$LISTENER
listener.security.protocol.map=$LISTENER:$LISTENER,CONTROLLER:SASL_PLAINTEXT
sasl.enabled.mechanisms=$MECHANISM
sasl.mechanism.inter.broker.protocol=$MECHANISM
listener.name.$listener_lower.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$KAFKA_CONTROLLER_PASSWORD" user_controller="$KAFKA_CONTROLLER_PASSWORD";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:controller
# A session re-authenticates at least this often (ms): a rotated or deleted password ends the
# sessions opened with it within 10 minutes, instead of never.
connections.max.reauth.ms=600000
$ssl_settings
log.dirs=$DATA
num.partitions=6
log.retention.ms=-1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS

# What the healthcheck (and an operator in the container) connects with.
cat > /tmp/admin.properties <<PROPS
security.protocol=$LISTENER
sasl.mechanism=$MECHANISM
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
${KAFKA_SSL_TRUSTSTORE:+ssl.truststore.type=PKCS12
ssl.truststore.location=$KAFKA_SSL_TRUSTSTORE
ssl.truststore.password=${KAFKA_SSL_TRUSTSTORE_PASSWORD:-}}
PROPS

if [ ! -f "$DATA/meta.properties" ]; then
  "$KAFKA_HOME/bin/kafka-storage.sh" format --standalone -c "$CONFIG" \
    -t "$("$KAFKA_HOME/bin/kafka-storage.sh" random-uuid)" \
    --add-scram "$MECHANISM=[name=admin,password=$KAFKA_ADMIN_PASSWORD]"
fi
exec "$KAFKA_HOME/bin/kafka-server-start.sh" "$CONFIG"
