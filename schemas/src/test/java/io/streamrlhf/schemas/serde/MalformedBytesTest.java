package io.streamrlhf.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.serde.RecordDecodeException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MalformedBytesTest {

    private static final String TOPIC = "rlhf.feedback";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroSerde<Feedback> serde = AvroSerde.forValues(Feedback.class, registry);
    private final int feedbackId = registry.register(WireFormat.valueSubject(TOPIC), Feedback.getClassSchema());

    @Test
    void nullBytesReadAsNull() {
        assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void recordShorterThanTheHeaderIsTruncatedHeader(int length) {
        // given
        byte[] bytes = new byte[length];

        // when / then
        assertDecodeFails(bytes, Reason.TRUNCATED_HEADER, -1);
    }

    @Test
    void wrongMagicByteIsRejected() {
        // given: a valid record with magic byte 1
        byte[] bytes = valid();
        bytes[0] = 1;

        // when / then
        assertDecodeFails(bytes, Reason.BAD_MAGIC_BYTE, -1);
    }

    @Test
    void plainJsonWhereAvroWasExpectedIsABadMagicByte() {
        assertDecodeFails(
                "{\"feedbackId\":\"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8), Reason.BAD_MAGIC_BYTE, -1);
    }

    @Test
    void schemaIdTheRegistryDoesNotKnowIsUnknownSchemaId() {
        // given
        byte[] bytes = valid();
        ByteBuffer.wrap(bytes, 1, 4).putInt(999);

        // when / then
        assertDecodeFails(bytes, Reason.UNKNOWN_SCHEMA_ID, 999);
    }

    @Test
    void registryThatCannotBeReachedIsRegistryUnavailable() {
        // given: a REST client on a port nobody listens on
        RestSchemaRegistryClient unreachable =
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.of("http://127.0.0.1:" + closedPort())
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)));
        AvroDeserializer<Feedback> deserializer = new AvroDeserializer<>(unreachable, Feedback.getClassSchema());

        // when / then
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, valid()))
                .asInstanceOf(type(RecordDecodeException.class))
                .satisfies(e -> {
                    assertThat(e.reason()).isEqualTo(Reason.REGISTRY_UNAVAILABLE);
                    assertThat(e.isTransient())
                            .as("an unreachable registry is worth a retry")
                            .isTrue();
                    assertThat(e.getMessage()).contains("127.0.0.1");
                });
    }

    @Test
    void bodyCutShortIsTruncatedPayload() {
        // given
        byte[] full = valid();

        // when / then: every cut inside the body
        for (int length = WireFormat.HEADER_SIZE; length < full.length; length++) {
            assertDecodeFails(Arrays.copyOf(full, length), Reason.TRUNCATED_PAYLOAD, feedbackId);
        }
    }

    @Test
    void bytesLeftOverAfterTheRecordAreCorruptPayload() {
        // given
        byte[] full = valid();
        byte[] bytes = Arrays.copyOf(full, full.length + 1);

        // when / then
        assertDecodeFails(bytes, Reason.CORRUPT_PAYLOAD, feedbackId);
    }

    @Test
    void enumIndexOutsideTheSymbolsIsCorruptPayload() {
        assertDecodeFails(feedbackBody(7, 0, 1), Reason.CORRUPT_PAYLOAD, feedbackId);
        assertDecodeFails(feedbackBody(-1, 0, 1), Reason.CORRUPT_PAYLOAD, feedbackId);
    }

    @Test
    void unionIndexOutsideTheBranchesIsCorruptPayload() {
        assertDecodeFails(feedbackBody(0, 5, 1), Reason.CORRUPT_PAYLOAD, feedbackId);
        assertDecodeFails(feedbackBody(0, -1, 1), Reason.CORRUPT_PAYLOAD, feedbackId);
    }

    @Test
    void negativeStringLengthIsCorruptPayload() {
        // given: feedbackId announced as -3 bytes long
        byte[] bytes = withHeader(feedbackId, encode(e -> e.writeLong(-3)));

        // when / then
        assertDecodeFails(bytes, Reason.CORRUPT_PAYLOAD, feedbackId);
    }

    @Test
    void hugeStringLengthFailsWithoutAllocatingIt() {
        // given: feedbackId announced as 2 GB long, in a record of a few bytes
        byte[] bytes = withHeader(feedbackId, encode(e -> e.writeLong(Integer.MAX_VALUE - 1)));

        // when / then: no OutOfMemoryError, a clear reason
        assertDecodeFails(bytes, Reason.TRUNCATED_PAYLOAD, feedbackId);
    }

    @Test
    void hugeArrayCountIsCorruptPayload() {
        // given: a PolicyVersion whose lineage array claims a billion items
        AvroSerde<PolicyVersion> policies = AvroSerde.forValues(PolicyVersion.class, registry);
        int id = registry.register("policies-value", PolicyVersion.getClassSchema());
        byte[] bytes = withHeader(id, encode(e -> {
            e.writeString("model");
            e.writeLong(3);
            e.writeIndex(0);
            e.writeString("file:///x");
            e.writeString("abc");
            e.writeLong(10);
            e.writeLong(1);
            e.writeLong(1_000_000_000L);
        }));

        // when / then
        assertThatThrownBy(() -> policies.deserializer().deserialize("policies", bytes))
                .asInstanceOf(type(RecordDecodeException.class))
                .extracting(RecordDecodeException::reason)
                .isEqualTo(Reason.CORRUPT_PAYLOAD);
    }

    @Test
    void writerSchemaTheReaderCannotResolveIsIncompatibleSchema() {
        // given: a record registered elsewhere whose feedbackId is an int
        Schema foreign = SchemaBuilder.record("Feedback")
                .namespace("elsewhere")
                .fields()
                .requiredInt("feedbackId")
                .endRecord();
        int foreignId = registry.register("elsewhere-value", foreign);
        byte[] bytes = withHeader(foreignId, encode(e -> e.writeInt(5)));

        // when / then
        assertDecodeFails(bytes, Reason.INCOMPATIBLE_SCHEMA, foreignId);
    }

    @Test
    void coordinatesCanBeAddedOnceKnown() {
        // given
        RecordDecodeException e =
                new RecordDecodeException(Reason.BAD_MAGIC_BYTE, TOPIC, -1, "magic byte is 0x01", null);

        // when
        RecordDecodeException located = e.at(3, 42L);

        // then
        assertThat(located.partition()).isEqualTo(3);
        assertThat(located.offset()).isEqualTo(42L);
        assertThat(located.reason()).isEqualTo(Reason.BAD_MAGIC_BYTE);
        assertThat(located.getMessage()).contains(TOPIC + "-3@42").contains("magic byte is 0x01");
    }

    private void assertDecodeFails(byte[] bytes, Reason reason, int schemaId) {
        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, bytes))
                .asInstanceOf(type(RecordDecodeException.class))
                .satisfies(e -> {
                    assertThat(e.reason())
                            .as("reason for %s", Arrays.toString(bytes))
                            .isEqualTo(reason);
                    assertThat(e.topic()).isEqualTo(TOPIC);
                    assertThat(e.schemaId()).isEqualTo(schemaId);
                    assertThat(e.getMessage()).startsWith(reason.name());
                    assertThat(e.isTransient())
                            .as("bytes bad in themselves are never retried")
                            .isFalse();
                });
    }

    private byte[] valid() {
        return serde.serializer().serialize(TOPIC, SampleRecords.feedback("f1"));
    }

    private byte[] feedbackBody(int enumIndex, int unionIndex, long eventTime) {
        return withHeader(feedbackId, encode(e -> {
            e.writeString("f");
            e.writeString("r");
            e.writeString("u");
            e.writeInt(enumIndex);
            e.writeInt(unionIndex);
            e.writeLong(eventTime);
        }));
    }

    private interface Writes {
        void to(BinaryEncoder encoder) throws IOException;
    }

    private static byte[] encode(Writes writes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            writes.to(encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] withHeader(int schemaId, byte[] body) {
        return ByteBuffer.allocate(WireFormat.HEADER_SIZE + body.length)
                .put(WireFormat.MAGIC_BYTE)
                .putInt(schemaId)
                .put(body)
                .array();
    }

    private static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
