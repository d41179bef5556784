#!/bin/sh
# Creates every StreamRLHF topic (idempotent), with the retention TopicLayout documents: events 7 days,
# examples and dead letters 30 days, policy versions and trainer metrics forever.
set -eu
BOOTSTRAP="${BOOTSTRAP_SERVERS:-kafka:9092}"
PARTITIONS="${TOPIC_PARTITIONS:-3}"
REPLICAS="${TOPIC_REPLICATION_FACTOR:-1}"
DAY_MS=86400000
KT=/opt/kafka/bin/kafka-topics.sh

create() {
  "$KT" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$1" \
    --partitions "$2" --replication-factor "$REPLICAS" --config "retention.ms=$3" ${4:+--config "$4"}
}

for t in rlhf.responses rlhf.feedback rlhf.preferences rlhf.prompts rlhf.judge.verdicts; do
  create "$t" "$PARTITIONS" $((7 * DAY_MS))
done
for t in rlhf.examples.kto rlhf.examples.dpo rlhf.dead-letters; do
  create "$t" "$PARTITIONS" $((30 * DAY_MS))
done
# Lineage and audit trail: one partition keeps versions in order, kept forever.
for t in rlhf.policy.versions rlhf.trainer.metrics; do
  create "$t" 1 -1
done
"$KT" --bootstrap-server "$BOOTSTRAP" --list
