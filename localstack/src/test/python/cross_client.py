#!/usr/bin/python3
"""Cross-client check of StreamRLHF's embedded schema registry and Avro serde against Confluent's Python client.

Run by ConfluentPythonClientIT with Debian's /usr/bin/python3 (python3-confluent-kafka, python3-avro):

  produce: registers the Feedback schema with confluent_kafka.schema_registry.SchemaRegistryClient, encodes a
           Feedback with python3-avro in the Confluent wire format (magic byte 0, 4-byte big-endian schema id,
           Avro binary) and produces it with confluent_kafka.Producer (librdkafka). Prints {"schema_id": id}.
  consume: consumes one record with confluent_kafka.Consumer, resolves its schema id through
           SchemaRegistryClient.get_schema and decodes it with python3-avro. Prints the record as JSON.

Exit codes: 0 success, 2 usage or runtime failure (message on stderr), 3 missing Python modules.
"""
import argparse
import datetime
import io
import json
import struct
import sys
import uuid

try:
    import avro.io
    import avro.schema
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
except ImportError as e:  # reported distinctly so the Java test can say how to install them
    print("MISSING_MODULES: %s (interpreter %s)" % (e, sys.executable), file=sys.stderr)
    sys.exit(3)

MAGIC_BYTE = 0
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

# The record Python writes; the Java test checks every field of it.
PY_FEEDBACK = {
    "feedbackId": "py-1",
    "responseId": "resp-py",
    "userId": "user-py",
    "kind": "THUMBS_UP",
    "comment": "from librdkafka \u2713",
    "eventTime": 1764000000456,
}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def produce(args):
    with open(args.schema_file, encoding="utf-8") as f:
        schema_str = f.read()
    registry = SchemaRegistryClient({"url": args.registry})
    subject = args.topic + "-value"
    schema_id = registry.register_schema(subject, Schema(schema_str, "AVRO"))

    parsed = avro.schema.parse(schema_str)
    record = dict(PY_FEEDBACK)
    record["eventTime"] = EPOCH + datetime.timedelta(milliseconds=record["eventTime"])
    out = io.BytesIO()
    out.write(struct.pack(">bI", MAGIC_BYTE, schema_id))
    avro.io.DatumWriter(parsed).write(record, avro.io.BinaryEncoder(out))

    errors = []
    producer = Producer({"bootstrap.servers": args.bootstrap, "acks": "all", "enable.idempotence": True})
    producer.produce(args.topic, key=PY_FEEDBACK["responseId"].encode("utf-8"), value=out.getvalue(),
                     on_delivery=lambda err, msg: errors.append(err) if err else None)
    remaining = producer.flush(args.timeout)
    if remaining or errors:
        fail("librdkafka did not deliver the record: remaining=%d errors=%s" % (remaining, errors))
    print(json.dumps({"schema_id": schema_id, "subject": subject}))


def consume(args):
    registry = SchemaRegistryClient({"url": args.registry})
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": "py-" + str(uuid.uuid4()),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    consumer.subscribe([args.topic])
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=args.timeout)
    try:
        while datetime.datetime.now() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                fail("consumer error: %s" % msg.error())
            value = msg.value()
            if len(value) < 5:
                fail("record of %d bytes is shorter than the wire-format header" % len(value))
            magic, schema_id = struct.unpack(">bI", value[:5])
            if magic != MAGIC_BYTE:
                fail("magic byte %d, expected 0" % magic)
            writer = avro.schema.parse(registry.get_schema(schema_id).schema_str)
            decoder = avro.io.BinaryDecoder(io.BytesIO(value[5:]))
            record = avro.io.DatumReader(writer).read(decoder)
            event_time = record["eventTime"]
            if isinstance(event_time, datetime.datetime):
                record["eventTime"] = (event_time - EPOCH) // datetime.timedelta(milliseconds=1)
            print(json.dumps({"schema_id": schema_id, "key": msg.key().decode("utf-8"), "record": record},
                             ensure_ascii=False))
            return
    finally:
        consumer.close()
    fail("no record on %s within %s s" % (args.topic, args.timeout))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["produce", "consume"])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--schema-file", help="the full Feedback schema (produce)")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.command == "produce":
        if not args.schema_file:
            fail("produce needs --schema-file")
        produce(args)
    else:
        consume(args)


if __name__ == "__main__":
    main()
