package io.streamrlhf.streams.deadletter;

import static io.streamrlhf.streams.support.Events.preference;
import static io.streamrlhf.streams.support.Events.prompt;
import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.streams.app.StreamRlhfTopology;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsSettings;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.support.Harness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DeadLetterTopologyTest {

    private static final long T0 = 1_700_000_000_000L;
    private final FlakyRegistry registry = new FlakyRegistry();
    private Harness h;

    /** A registry that can be made to fail lookups by id, as an unreachable one would. */
    static final class FlakyRegistry extends InMemorySchemaRegistry {
        volatile int downForId = -1;

        @Override
        public synchronized Schema getById(int id) {
            if (id == downForId) {
                throw new SchemaRegistryException(503, SchemaRegistryException.SERVER_ERROR, "registry unavailable");
            }
            return super.getById(id);
        }
    }

    @BeforeEach
    void start() {
        StreamsSettings settings = StreamsSettings.defaults()
                .withKto(KtoConfig.defaults().withSettleDelay(Duration.ZERO))
                .withValidation(new ValidationConfig(100));
        h = new Harness(registry, serdes -> new StreamRlhfTopology(settings, serdes).build());
    }

    @AfterEach
    void close() {
        h.close();
    }

    private byte[] bytes(ResponseGenerated r) {
        return h.topics
                .responses()
                .valueSerde()
                .serializer()
                .serialize(h.topics.responses().name(), r);
    }

    private DeadLetter onlyDeadLetter() {
        List<DeadLetter> letters = h.deadLetters.readValuesToList();
        assertThat(letters).hasSize(1);
        return letters.get(0);
    }

    private void assertRaw(Topic<?, ?> topic, String key, byte[] value, DeadLetterReason reason) {
        h.raw(topic).pipeInput(key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, T0);
        DeadLetter d = onlyDeadLetter();
        assertThat(DeadLetters.reasonOf(d)).isEqualTo(reason);
        assertThat(d.getTopic()).isEqualTo(topic.name());
        assertThat(d.getPartition()).isZero();
        assertThat(d.getOffset()).isGreaterThanOrEqualTo(0L);
        assertThat(DeadLetters.toBytes(d.getOriginalValue())).isEqualTo(value);
        if (key != null) {
            assertThat(new String(DeadLetters.toBytes(d.getOriginalKey()), StandardCharsets.UTF_8))
                    .isEqualTo(key);
        }
    }

    @Test
    void deadLettersRecordsShorterThanTheWireHeader() {
        assertRaw(h.topics.responses(), "r1", new byte[] {0, 0}, DeadLetterReason.TRUNCATED_HEADER);
    }

    @Test
    void deadLettersRecordsWithABadMagicByte() {
        byte[] good = bytes(response("r1", "p", "c", 1, T0));
        good[0] = 7;
        assertRaw(h.topics.responses(), "r1", good, DeadLetterReason.BAD_MAGIC_BYTE);
    }

    @Test
    void deadLettersRecordsWithAnUnknownSchemaId() {
        byte[] good = bytes(response("r1", "p", "c", 1, T0));
        ByteBuffer.wrap(good, 1, 4).putInt(9_999);
        assertRaw(h.topics.responses(), "r1", good, DeadLetterReason.UNKNOWN_SCHEMA_ID);
    }

    @Test
    void deadLettersRecordsWhenTheRegistryIsUnavailable() throws IOException {
        Schema newer = new Schema.Parser()
                .parse(Feedback.getClassSchema()
                        .toString()
                        .replace(
                                "\"fields\":[",
                                "\"fields\":[{\"name\":\"extra\",\"type\":\"string\",\"default\":\"\"},"));
        byte[] value = encode(h.topics.feedback().name() + "-value", newer, r -> {
            r.put("extra", "x");
            fillFeedback(r, newer, "THUMBS_UP");
        });
        registry.downForId = ByteBuffer.wrap(value, 1, 4).getInt();
        assertRaw(h.topics.feedback(), "r1", value, DeadLetterReason.REGISTRY_UNAVAILABLE);
    }

    @Test
    void deadLettersRecordsWrittenWithAnIncompatibleSchema() throws IOException {
        Schema other = new Schema.Parser()
                .parse("{\"type\":\"record\",\"name\":\"ResponseGenerated\","
                        + "\"namespace\":\"io.streamrlhf.avro\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}");
        byte[] value = encode("unrelated-value", other, r -> r.put("x", 1));
        assertRaw(h.topics.responses(), "r1", value, DeadLetterReason.INCOMPATIBLE_SCHEMA);
    }

    @Test
    void deadLettersFeedbackWithAnUnknownEnumSymbol() throws IOException {
        Schema newer = new Schema.Parser()
                .parse(Feedback.getClassSchema().toString().replace("\"RETRACT\"]", "\"RETRACT\",\"STAR_RATING\"]"));
        byte[] value = encode(h.topics.feedback().name() + "-value", newer, r -> fillFeedback(r, newer, "STAR_RATING"));
        assertRaw(h.topics.feedback(), "r1", value, DeadLetterReason.UNKNOWN_ENUM);
    }

    @Test
    void deadLettersRecordsWithATruncatedPayload() {
        byte[] good = bytes(response("r1", "p", "a completion", 1, T0));
        assertRaw(h.topics.responses(), "r1", Arrays.copyOf(good, good.length - 4), DeadLetterReason.TRUNCATED_PAYLOAD);
    }

    @Test
    void deadLettersRecordsWithACorruptPayload() {
        byte[] good = bytes(response("r1", "p", "c", 1, T0));
        byte[] corrupt = Arrays.copyOf(good, good.length + 3);
        assertRaw(h.topics.responses(), "r1", corrupt, DeadLetterReason.CORRUPT_PAYLOAD);
    }

    @Test
    void deadLettersTombstones() {
        assertRaw(h.topics.feedback(), "r1", null, DeadLetterReason.TOMBSTONE);
    }

    @Test
    void deadLettersResponsesKeyedByAnotherId() {
        assertRaw(
                h.topics.responses(), "not-r1", bytes(response("r1", "p", "c", 1, T0)), DeadLetterReason.KEY_MISMATCH);
    }

    @Test
    void deadLettersResponsesWithoutPrompt() {
        ResponseGenerated r = response("r1", "p", "c", 1, T0);
        r.setPrompt(" ");
        assertRaw(h.topics.responses(), "r1", bytes(r), DeadLetterReason.MISSING_PROMPT);
    }

    @Test
    void deadLettersResponsesWithoutCompletion() {
        assertRaw(
                h.topics.responses(), "r1", bytes(response("r1", "p", "", 1, T0)), DeadLetterReason.MISSING_COMPLETION);
    }

    @Test
    void deadLettersCompletionsOverTheConfiguredSize() {
        assertRaw(
                h.topics.responses(),
                "r1",
                bytes(response("r1", "p", "x".repeat(101), 1, T0)),
                DeadLetterReason.COMPLETION_TOO_LONG);
    }

    @Test
    void deadLettersFeedbackWithoutUser() {
        Feedback f = up("f1", "r1", " ", T0);
        byte[] value = h.topics
                .feedback()
                .valueSerde()
                .serializer()
                .serialize(h.topics.feedback().name(), f);
        assertRaw(h.topics.feedback(), "r1", value, DeadLetterReason.MISSING_FIELD);
    }

    @Test
    void deadLettersPreferencesThatNameOneResponseTwice() {
        byte[] value = h.topics
                .preferences()
                .valueSerde()
                .serializer()
                .serialize(h.topics.preferences().name(), preference("x", "p1", "a", "a", T0));
        assertRaw(h.topics.preferences(), "p1", value, DeadLetterReason.SAME_RESPONSE);
    }

    @Test
    void deadLettersPromptsWithoutText() {
        io.streamrlhf.avro.Prompt p = prompt("p1", null, null, T0);
        p.setText("");
        byte[] value = h.topics
                .prompts()
                .valueSerde()
                .serializer()
                .serialize(h.topics.prompts().name(), p);
        assertRaw(h.topics.prompts(), "p1", value, DeadLetterReason.MISSING_PROMPT);
    }

    @Test
    void keepsProcessingGoodRecordsAroundABadOne() {
        h.responses.pipeInput("r1", response("r1", "p", "fine", 1, T0), T0);
        h.raw(h.topics.feedback())
                .pipeInput("r1".getBytes(StandardCharsets.UTF_8), new byte[] {9, 9, 9, 9, 9, 9}, T0 + 1);
        h.feedback.pipeInput("r1", up("f1", "r1", "u1", T0 + 2), T0 + 2);

        assertThat(h.examples.readValuesToList()).hasSize(1);
        assertThat(h.deadLetters.readValuesToList())
                .singleElement()
                .satisfies(d -> assertThat(d.getOffset()).isEqualTo(0L));
    }

    private interface Filler {
        void fill(GenericRecord r);
    }

    private byte[] encode(String subject, Schema schema, Filler filler) throws IOException {
        int id = registry.register(subject, schema);
        GenericRecord record = new GenericData.Record(schema);
        filler.fill(record);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static void fillFeedback(GenericRecord r, Schema schema, String kind) {
        r.put("feedbackId", "f1");
        r.put("responseId", "r1");
        r.put("userId", "u1");
        r.put("kind", new GenericData.EnumSymbol(schema.getField("kind").schema(), kind));
        r.put("comment", null);
        r.put("eventTime", T0);
    }
}
