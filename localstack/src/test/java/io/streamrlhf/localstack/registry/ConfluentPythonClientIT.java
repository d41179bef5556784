package io.streamrlhf.localstack.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.registry.RegisteredSchema;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.serde.AvroDeserializer;
import io.streamrlhf.schemas.serde.AvroSerializer;
import io.streamrlhf.schemas.serde.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real external Confluent client against our registry and serde: Debian's python3-confluent-kafka
 * (SchemaRegistryClient, librdkafka) with python3-avro, driven through {@code src/test/python/cross_client.py}.
 * Missing Python modules fail the test (never skip it): {@code .ci/run} installs them.
 */
class ConfluentPythonClientIT {

    /** Debian's interpreter: the one python3-confluent-kafka and python3-avro install into. */
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(90);

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static RestSchemaRegistryClient client;

    @TempDir
    Path tmp;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void connectClient() {
        client = new RestSchemaRegistryClient(KAFKA.schemaRegistryUrl());
    }

    @Test
    void feedbackProducedByConfluentPythonClientIsReadByOurDeserializer() throws Exception {
        // given
        String topic = KAFKA.uniqueName("py-to-java");
        Path schemaFile = tmp.resolve("Feedback.avsc");
        Files.writeString(schemaFile, Feedback.getClassSchema().toString(), StandardCharsets.UTF_8);

        // when: Python registers the schema, encodes with python3-avro and produces with librdkafka
        JsonNode produced = runPython("produce", topic, "--schema-file", schemaFile.toString());

        // then: the id Python got is the registry's, and our deserializer reads every field
        int schemaId = produced.get("schema_id").asInt();
        assertThat(client.latest(WireFormat.valueSubject(topic)))
                .isEqualTo(
                        new RegisteredSchema(WireFormat.valueSubject(topic), 1, schemaId, Feedback.getClassSchema()));
        ConsumerRecord<String, byte[]> record = consumeOne(topic);
        assertThat(record.key()).isEqualTo("resp-py");
        assertThat(record.value()[0]).isEqualTo(WireFormat.MAGIC_BYTE);
        assertThat(ByteBuffer.wrap(record.value(), 1, 4).getInt()).isEqualTo(schemaId);
        Feedback feedback = new AvroDeserializer<Feedback>(
                        new RestSchemaRegistryClient(KAFKA.schemaRegistryUrl()), Feedback.getClassSchema())
                .deserialize(topic, record.value());
        assertThat(feedback.getFeedbackId()).isEqualTo("py-1");
        assertThat(feedback.getResponseId()).isEqualTo("resp-py");
        assertThat(feedback.getUserId()).isEqualTo("user-py");
        assertThat(feedback.getKind()).isEqualTo(FeedbackKind.THUMBS_UP);
        assertThat(feedback.getComment()).isEqualTo("from librdkafka \u2713");
        assertThat(feedback.getEventTime()).isEqualTo(Instant.ofEpochMilli(1_764_000_000_456L));
    }

    @Test
    void feedbackWrittenByOurSerializerIsDecodedByConfluentPythonClient() throws Exception {
        // given: our serializer's output on a real topic
        String topic = KAFKA.uniqueName("java-to-py");
        Feedback feedback = Feedback.newBuilder()
                .setFeedbackId("java-1")
                .setResponseId("resp-java")
                .setUserId("user-java")
                .setKind(FeedbackKind.RETRACT)
                .setComment("écrit en Java ✓")
                .setEventTime(Instant.ofEpochMilli(1_764_000_000_789L))
                .build();
        Map<String, Object> props = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, Feedback> producer = new KafkaProducer<>(
                props, new StringSerializer(), new AvroSerializer<>(client, Feedback.getClassSchema(), false, true))) {
            producer.send(new ProducerRecord<>(topic, feedback.getResponseId(), feedback))
                    .get();
        }

        // when: Python consumes it, resolves the id through the registry and decodes with python3-avro
        JsonNode consumed = runPython("consume", topic);

        // then
        assertThat(consumed.get("schema_id").asInt())
                .isEqualTo(client.latest(WireFormat.valueSubject(topic)).id());
        assertThat(consumed.get("key").asText()).isEqualTo("resp-java");
        JsonNode decoded = consumed.get("record");
        assertThat(decoded.get("feedbackId").asText()).isEqualTo("java-1");
        assertThat(decoded.get("responseId").asText()).isEqualTo("resp-java");
        assertThat(decoded.get("userId").asText()).isEqualTo("user-java");
        assertThat(decoded.get("kind").asText()).isEqualTo("RETRACT");
        assertThat(decoded.get("comment").asText()).isEqualTo("écrit en Java ✓");
        assertThat(decoded.get("eventTime").asLong()).isEqualTo(1_764_000_000_789L);
        assertThat(decoded.size())
                .isEqualTo(Feedback.getClassSchema().getFields().size());
    }

    private JsonNode runPython(String command, String topic, String... extra) throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            fail(PYTHON + " not found: this test needs Debian's python3 with python3-confluent-kafka and python3-avro; "
                    + "run .ci/run (it installs python3-confluent-kafka python3-avro)");
        }
        Path script = Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
                .resolve("src/test/python/cross_client.py");
        List<String> args = new ArrayList<>(List.of(
                PYTHON.toString(),
                script.toString(),
                command,
                "--bootstrap",
                KAFKA.bootstrapServers(),
                "--registry",
                KAFKA.schemaRegistryUrl(),
                "--topic",
                topic,
                "--timeout",
                "60"));
        args.addAll(List.of(extra));
        Path out = tmp.resolve(command + ".out");
        Path err = tmp.resolve(command + ".err");
        ProcessBuilder builder =
                new ProcessBuilder(args).redirectOutput(out.toFile()).redirectError(err.toFile());
        // A pyenv or virtualenv on PATH must not leak its module path into Debian's interpreter.
        builder.environment().remove("PYTHONPATH");
        builder.environment().remove("PYTHONHOME");
        Process process = builder.start();
        if (!process.waitFor(SCRIPT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("cross_client.py " + command + " did not finish within " + SCRIPT_TIMEOUT.toSeconds() + " s; stderr: "
                    + Files.readString(err));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        if (process.exitValue() == 3) {
            fail("Python modules missing for " + PYTHON + ": " + stderr.strip()
                    + "; run .ci/run (it installs python3-confluent-kafka python3-avro)");
        }
        if (process.exitValue() != 0) {
            fail("cross_client.py " + command + " exited " + process.exitValue() + "\nstdout: " + stdout + "\nstderr: "
                    + stderr);
        }
        String lastLine = stdout.strip().lines().reduce((a, b) -> b).orElse("");
        return json.readTree(lastLine);
    }

    private static ConsumerRecord<String, byte[]> consumeOne(String topic) {
        Map<String, Object> props = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KAFKA.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                KAFKA.uniqueName("g"),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
        }
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
