#!/bin/sh
# The `secrets` service of compose.yml: a one-shot job, run before every other service, that makes the
# deployment's credentials in the `secrets` volume (mounted here at /secrets):
#   - a private certificate authority (its key stays in /secrets/.ca, which no other service mounts) and a
#     certificate it signs for each TLS server: kafka, schema-registry, gateway;
#   - a random password for each SCRAM-SHA-512 user (one Kafka principal per component, see
#     docs/security-kafka.md), for each schema registry user, and for the controller listener;
#   - one folder per service (mounted into that service alone, as a volume subpath) holding its settings file
#     streamrlhf.properties (the shared docker/streamrlhf.properties plus its own credentials), the truststore and,
#     for TLS servers, its keystore.
# Passwords and certificates are made once and kept; a later run only rewrites each service's settings file, so a
# changed docker/streamrlhf.properties takes effect at the next `docker compose up`. Everything but the CA's folder
# is owned by the user of the service that reads it, mode 0600 (folders 0700).
#
# Runs in the Kafka image (keytool from its JRE, a POSIX shell), as root only to hand each folder to its owner.
set -eu
umask 077

# The folders are overridable so that the script can be tried outside Docker (ComposeSecretsScriptTest).
S="${SECRETS_DIR:-/secrets}"
CA="$S/.ca"
# The users the images run as: apache/kafka's appuser and docker/Dockerfile's streamrlhf user.
KAFKA_UID="${KAFKA_UID:-1000}"
APP_UID="${APP_UID:-10001}"
PREFIX=streamrlhf-
# Where each StreamRLHF service finds its folder, and the Kafka broker its own.
APP_SECRETS=/etc/streamrlhf/secrets
KAFKA_SECRETS=/etc/kafka/secrets
SHARED_PROPERTIES="${SHARED_PROPERTIES:-/etc/streamrlhf/streamrlhf.properties}"
VALIDITY_DAYS=825
KEY_SIZE="${KEY_SIZE:-3072}"

mkdir -p "$CA"

# The secret named $1: made (32 random letters and digits) on the first run, read back afterwards.
secret() {
  f="$CA/$1.secret"
  if [ ! -s "$f" ]; then
    tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 >"$f"
  fi
  cat "$f"
}

CA_PASSWORD=$(secret ca)
TRUSTSTORE_PASSWORD=$(secret truststore)
if [ ! -f "$CA/ca.p12" ]; then
  keytool -genkeypair -alias ca -dname "CN=StreamRLHF compose CA" -keyalg RSA -keysize "$KEY_SIZE" \
    -validity "$VALIDITY_DAYS" -ext bc:c=ca:true,pathlen:0 -ext ku:c=keyCertSign,cRLSign \
    -keystore "$CA/ca.p12" -storetype PKCS12 -storepass "$CA_PASSWORD"
  keytool -exportcert -rfc -alias ca -keystore "$CA/ca.p12" -storepass "$CA_PASSWORD" -file "$CA/ca.pem"
  keytool -importcert -noprompt -alias ca -file "$CA/ca.pem" \
    -keystore "$CA/truststore.p12" -storetype PKCS12 -storepass "$TRUSTSTORE_PASSWORD"
fi

# A PKCS12 keystore for host $1 (its name on the compose network, plus localhost for the ports published on the
# host's loopback), signed by the CA, made once.
server_keystore() {
  keystore="$CA/$1.p12"
  password=$(secret "$1.keystore")
  if [ -f "$keystore" ]; then
    return 0
  fi
  keytool -genkeypair -alias "$1" -dname "CN=$1" -keyalg RSA -keysize "$KEY_SIZE" -validity "$VALIDITY_DAYS" \
    -keystore "$keystore" -storetype PKCS12 -storepass "$password"
  keytool -certreq -alias "$1" -keystore "$keystore" -storepass "$password" -file "$CA/$1.csr"
  keytool -gencert -rfc -alias ca -keystore "$CA/ca.p12" -storepass "$CA_PASSWORD" -validity "$VALIDITY_DAYS" \
    -infile "$CA/$1.csr" -outfile "$CA/$1.crt" \
    -ext "SAN=dns:$1,dns:localhost,ip:127.0.0.1" -ext ku:c=digitalSignature,keyEncipherment \
    -ext eku=serverAuth,clientAuth
  keytool -importcert -noprompt -alias ca -file "$CA/ca.pem" -keystore "$keystore" -storepass "$password"
  keytool -importcert -noprompt -alias "$1" -file "$CA/$1.crt" -keystore "$keystore" -storepass "$password"
  rm -f "$CA/$1.csr"
}
server_keystore kafka
server_keystore schema-registry
server_keystore gateway

# SCRAM users: the broker itself (between brokers), the operator's admin (topics, ACLs) and each component.
COMPONENTS="streams trainer sampler gateway users prompts dashboard erasures registry"
SCRAM_USERS="${PREFIX}broker ${PREFIX}admin"
for c in $COMPONENTS; do
  SCRAM_USERS="$SCRAM_USERS $PREFIX$c"
done
scram_jaas() {
  printf 'org.apache.kafka.common.security.scram.ScramLoginModule required username="%s" password="%s";' \
    "$1" "$(secret "kafka.$1")"
}
CONTROLLER_PASSWORD=$(secret kafka.controller)

# A fresh folder $1 for one service, owned by uid $2.
service_dir() {
  rm -rf "${S:?}/$1"
  mkdir -p "$S/$1"
}
finish_dir() {
  chown -R "$2:$2" "$S/$1"
  chmod 0700 "$S/$1"
  find "$S/$1" -type f -exec chmod 0600 {} +
}

# ---- Kafka: SASL_SSL on every listener. Clients and brokers use SCRAM-SHA-512 on INTERNAL; the controller
# listener uses PLAIN (over TLS), because SCRAM credentials live in the metadata log that the controller serves,
# so a controller cannot check them before it has read that log.
service_dir kafka
cp "$CA/kafka.p12" "$CA/truststore.p12" "$S/kafka/"
KAFKA_KEYSTORE_PASSWORD=$(secret kafka.keystore)
cat >"$S/kafka/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
listeners=INTERNAL://:9092,CONTROLLER://:9093
advertised.listeners=INTERNAL://kafka:9092
listener.security.protocol.map=INTERNAL:SASL_SSL,CONTROLLER:SASL_SSL
inter.broker.listener.name=INTERNAL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
sasl.mechanism.controller.protocol=PLAIN
listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=$(scram_jaas "${PREFIX}broker")
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$CONTROLLER_PASSWORD" user_controller="$CONTROLLER_PASSWORD";
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_SECRETS/kafka.p12
ssl.keystore.password=$KAFKA_KEYSTORE_PASSWORD
ssl.key.password=$KAFKA_KEYSTORE_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$KAFKA_SECRETS/truststore.p12
ssl.truststore.password=$TRUSTSTORE_PASSWORD
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:controller;User:${PREFIX}broker;User:${PREFIX}admin
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.dirs=/var/lib/kafka/data
EOF
# Formats the log folder on the first start, with every SCRAM user (later starts: nothing to do). A user added
# later is created by the admin with kafka-configs.sh --alter --add-config 'SCRAM-SHA-512=[password=...]'.
{
  echo '#!/bin/sh'
  echo 'set -eu'
  printf '%s' 'exec /opt/kafka/bin/kafka-storage.sh format --ignore-formatted'
  printf ' --config %s/server.properties --cluster-id "$CLUSTER_ID"' "$KAFKA_SECRETS"
  for u in $SCRAM_USERS; do
    printf " --add-scram 'SCRAM-SHA-512=[name=%s,password=%s]'" "$u" "$(secret "kafka.$u")"
  done
  echo
} >"$S/kafka/format.sh"
# The health check's client: the admin, over the same listener as everyone.
cat >"$S/kafka/client.properties" <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$(scram_jaas "${PREFIX}admin")
ssl.truststore.type=PKCS12
ssl.truststore.location=$KAFKA_SECRETS/truststore.p12
ssl.truststore.password=$TRUSTSTORE_PASSWORD
EOF
finish_dir kafka "$KAFKA_UID"

# ---- StreamRLHF services: the shared settings, then every client's TLS trust, then the service's own
# credentials: <component>.kafka.sasl.jaas.config and <component>.schema.registry.basic.auth.user.info for each
# component it runs, so that no service holds another's password.
registry_password() {
  secret "registry.$1"
}
app_settings() {
  service=$1
  shift
  service_dir "$service"
  cp "$CA/truststore.p12" "$CA/ca.pem" "$S/$service/"
  {
    echo "# Made by docker/secrets-init.sh for the $service service; do not edit (it is rewritten at each start)."
    if [ -f "$SHARED_PROPERTIES" ]; then
      cat "$SHARED_PROPERTIES"
      echo
    fi
    echo "kafka.security.protocol=SASL_SSL"
    echo "kafka.sasl.mechanism=SCRAM-SHA-512"
    echo "kafka.ssl.truststore.type=PKCS12"
    echo "kafka.ssl.truststore.location=$APP_SECRETS/truststore.p12"
    echo "kafka.ssl.truststore.password=$TRUSTSTORE_PASSWORD"
    echo "schema.registry.ssl.truststore.type=PKCS12"
    echo "schema.registry.ssl.truststore.location=$APP_SECRETS/truststore.p12"
    echo "schema.registry.ssl.truststore.password=$TRUSTSTORE_PASSWORD"
    for component in "$@"; do
      if [ "$component" = topics ] || [ "$component" = admin ]; then
        user="${PREFIX}admin"
      else
        user="$PREFIX$component"
      fi
      echo "$component.kafka.sasl.jaas.config=$(scram_jaas "$user")"
      if [ "$component" != registry ] && [ "$component" != topics ]; then
        echo "$component.schema.registry.basic.auth.user.info=$user:$(registry_password "$user")"
      fi
    done
  } >"$S/$service/streamrlhf.properties"
}

app_settings topics topics
app_settings acls admin
app_settings streams streams
app_settings trainer trainer
app_settings sampler sampler
app_settings erasures erasures
app_settings users prompts users
app_settings dashboard dashboard

# The streams monitor and the dashboard that reads it share a bearer token; the monitor listens on the compose
# network only (its port is not published).
MONITOR_TOKEN=$(secret monitor.token)
{
  echo "monitor.http.bind.address=0.0.0.0"
  echo "monitor.http.token=$MONITOR_TOKEN"
} >>"$S/streams/streamrlhf.properties"
echo "dashboard.monitor.token=$MONITOR_TOKEN" >>"$S/dashboard/streamrlhf.properties"

# The gateway serves HTTPS with its own certificate.
app_settings gateway gateway
cp "$CA/gateway.p12" "$S/gateway/"
{
  echo "gateway.tls.keystore=$APP_SECRETS/gateway.p12"
  echo "gateway.tls.keystore.type=PKCS12"
  echo "gateway.tls.keystore.password=$(secret gateway.keystore)"
} >>"$S/gateway/streamrlhf.properties"

# The schema registry: HTTPS, its log through its own Kafka principal, and its users with their roles: the admin,
# a writer for each component that produces records (its serializer registers the schema), the dashboard a reader.
app_settings schema-registry registry
cp "$CA/schema-registry.p12" "$S/schema-registry/"
{
  echo "registry.bind=0.0.0.0"
  echo "registry.port=8081"
  echo "registry.ssl.keystore.location=$APP_SECRETS/schema-registry.p12"
  echo "registry.ssl.keystore.password=$(secret schema-registry.keystore)"
  echo "registry.auth.users.file=$APP_SECRETS/registry-users"
} >>"$S/schema-registry/streamrlhf.properties"
{
  echo "# name:role:password, one a line (registry.auth.users.file)"
  echo "${PREFIX}admin:admin:$(registry_password "${PREFIX}admin")"
  for c in streams trainer sampler gateway users prompts erasures; do
    echo "$PREFIX$c:writer:$(registry_password "$PREFIX$c")"
  done
  echo "${PREFIX}dashboard:reader:$(registry_password "${PREFIX}dashboard")"
} >"$S/schema-registry/registry-users"

for service in topics acls streams trainer sampler erasures users dashboard gateway schema-registry; do
  finish_dir "$service" "$APP_UID"
done
chmod 0700 "$S" "$CA"
echo "secrets: credentials ready for kafka, schema-registry, topics, acls, streams, trainer, sampler, erasures, users, dashboard, gateway"
