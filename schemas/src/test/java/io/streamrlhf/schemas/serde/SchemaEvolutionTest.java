package io.streamrlhf.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.schemas.registry.CompatibilityLevel;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import java.time.Instant;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

    private static final String TOPIC = "rlhf.feedback";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroSerde<Feedback> v1 = AvroSerde.forValues(Feedback.class, registry);
    private final AvroSerde<io.streamrlhf.schemas.serde.evolution.Feedback> v2 =
            AvroSerde.of(io.streamrlhf.schemas.serde.evolution.Feedback.SCHEMA$, registry, false, true);

    @Test
    void addingADefaultedFieldIsAcceptedUnderFullCompatibility() {
        // given
        registry.setCompatibility(null, CompatibilityLevel.FULL_TRANSITIVE);
        int v1Id = registry.register(WireFormat.valueSubject(TOPIC), Feedback.getClassSchema());

        // when
        int v2Id = registry.register(
                WireFormat.valueSubject(TOPIC), io.streamrlhf.schemas.serde.evolution.Feedback.SCHEMA$);

        // then
        assertThat(v2Id).isNotEqualTo(v1Id);
        assertThat(registry.versions(WireFormat.valueSubject(TOPIC))).containsExactly(1, 2);
    }

    @Test
    void newReaderReadsOldDataFillingTheDefault() {
        // given
        byte[] oldBytes = v1.serializer().serialize(TOPIC, SampleRecords.feedback("f1"));

        // when
        io.streamrlhf.schemas.serde.evolution.Feedback read = v2.deserializer().deserialize(TOPIC, oldBytes);

        // then
        assertThat(read.get("channel")).isEqualTo("web");
        assertThat(read.get("feedbackId")).isEqualTo("f1");
        assertThat(read.get("responseId")).isEqualTo("resp-f1");
        assertThat(read.get("userId")).isEqualTo("user-42");
        assertThat(read.get("kind")).isEqualTo(FeedbackKind.THUMBS_DOWN);
        assertThat(read.get("comment")).isEqualTo("too long, ünïcödé ✓");
        assertThat(read.get("eventTime")).isEqualTo(Instant.ofEpochMilli(1_764_000_000_123L));
    }

    @Test
    void oldReaderReadsNewDataIgnoringTheAddedField() {
        // given
        registry.register(WireFormat.valueSubject(TOPIC), Feedback.getClassSchema());
        io.streamrlhf.schemas.serde.evolution.Feedback newer = new io.streamrlhf.schemas.serde.evolution.Feedback()
                .with("feedbackId", "f2")
                .with("responseId", "r2")
                .with("userId", "u2")
                .with("kind", FeedbackKind.RETRACT)
                .with("comment", null)
                .with("eventTime", Instant.ofEpochMilli(5))
                .with("channel", "mobile");
        byte[] newBytes = v2.serializer().serialize(TOPIC, newer);

        // when
        Feedback read = v1.deserializer().deserialize(TOPIC, newBytes);

        // then
        assertThat(WireFormat.valueSubject(TOPIC)).isIn(registry.subjects());
        assertThat(registry.versions(WireFormat.valueSubject(TOPIC))).containsExactly(1, 2);
        assertThat(read)
                .isEqualTo(Feedback.newBuilder()
                        .setFeedbackId("f2")
                        .setResponseId("r2")
                        .setUserId("u2")
                        .setKind(FeedbackKind.RETRACT)
                        .setComment(null)
                        .setEventTime(Instant.ofEpochMilli(5))
                        .build());
    }

    @Test
    void oneDeserializerReadsRecordsOfTwoWriterSchemasInTurnEachWithItsOwnSchema() {
        // given
        io.streamrlhf.schemas.serde.evolution.Feedback newer = new io.streamrlhf.schemas.serde.evolution.Feedback()
                .with("feedbackId", "f3")
                .with("responseId", "r3")
                .with("userId", "u3")
                .with("kind", FeedbackKind.THUMBS_UP)
                .with("comment", null)
                .with("eventTime", Instant.ofEpochMilli(7))
                .with("channel", "mobile");
        byte[] oldBytes = v1.serializer().serialize(TOPIC, SampleRecords.feedback("f1"));
        byte[] newBytes = v2.serializer().serialize(TOPIC, newer);
        Deserializer<io.streamrlhf.schemas.serde.evolution.Feedback> reader = v2.deserializer();

        // when / then: the reader of the schema read last must not be taken for the other one
        for (int i = 0; i < 3; i++) {
            assertThat(reader.deserialize(TOPIC, oldBytes).get("channel")).isEqualTo("web");
            assertThat(reader.deserialize(TOPIC, newBytes).get("channel")).isEqualTo("mobile");
        }
    }

    @Test
    void aSerializerThatDoesNotRegisterLooksUpTheSchemaOfEachTopicItWritesTo() {
        // given: the schema is registered for one topic only
        registry.register(WireFormat.valueSubject(TOPIC), Feedback.getClassSchema());
        AvroSerializer<Feedback> strict = new AvroSerializer<>(registry, Feedback.getClassSchema(), false, false);
        Feedback f = SampleRecords.feedback("f1");
        strict.serialize(TOPIC, f);

        // when / then: the id found for the first topic is not reused for another
        assertThatThrownBy(() -> strict.serialize("rlhf.other", f)).isInstanceOf(RuntimeException.class);
        assertThat(strict.serialize(TOPIC, f)).isNotEmpty();
    }
}
