package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.schemas.serde.SampleRecords;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.PendingFeedback;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.avro.Vote;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The KTO state's own compact form: every field back, never longer than Avro, and old Avro records still read. */
class KtoStateSerdeTest {

    private static final String TOPIC = "app-kto-response-state-changelog";

    private final AvroSerde<KtoResponseState> avro =
            AvroSerde.forValues(KtoResponseState.class, new InMemorySchemaRegistry());
    private final KtoStateSerde serde = new KtoStateSerde(avro.deserializer());

    private KtoResponseState roundTrip(KtoStateSerde through, KtoResponseState state) {
        return through.deserializer().deserialize(TOPIC, through.serializer().serialize(TOPIC, state));
    }

    @Test
    void readsBackEveryFieldOfPopulatedStates() {
        // A field added to the state records but not to the form reads back as its default, and fails here.
        for (long seed = 1; seed <= 5; seed++) {
            KtoResponseState state = SampleRecords.populated(KtoResponseState.class, seed);
            assertThat(roundTrip(serde, state)).isEqualTo(state);
        }
    }

    @Test
    void writesAFreshStateAsTheDocumentedBytes() {
        KtoResponseState fresh = new KtoResponseState("r-1", null, List.of(), List.of(), List.of(), -1L);
        // version 1; "r-1" (length 3, zigzag 6); expiresAt -1 (zigzag 1); no response; no votes, seen ids or early
        // feedback (counts 0)
        assertThat(serde.serializer().serialize(TOPIC, fresh)).containsExactly(1, 6, 'r', '-', '1', 1, 0, 0, 0, 0);
    }

    @Test
    void writesAVoteAsTheDocumentedBytes() {
        Vote vote = new Vote("u", "THUMBS_UP", "f", 5L, -1L, true, true, false, null);
        KtoResponseState state = new KtoResponseState("r", null, List.of(vote), List.of("f"), List.of(), 300L);
        byte[] kind = "THUMBS_UP".getBytes(StandardCharsets.US_ASCII);
        // version 1; "r" (length 1, zigzag 2); expiresAt 300 (zigzag 600: 0xD8 0x04); no response; one vote (zigzag 2):
        // "u", "THUMBS_UP" (length 9, zigzag 18)
        List<Integer> expected = new ArrayList<>(List.of(1, 2, (int) 'r', 0xD8, 0x04, 0, 2, 2, (int) 'u', 18));
        for (byte b : kind) {
            expected.add((int) b);
        }
        // "f"; feedback time 5 (zigzag 10); settle -1 (zigzag 1); flags everEmitted|emittedActive; no offset;
        // one seen id "f"; no early feedback
        expected.addAll(List.of(2, (int) 'f', 10, 1, 3, 0, 2, 2, (int) 'f', 0));
        byte[] bytes = serde.serializer().serialize(TOPIC, state);
        List<Integer> actual = new ArrayList<>();
        for (byte b : bytes) {
            actual.add(b & 0xFF);
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(serde.deserializer().deserialize(TOPIC, bytes)).isEqualTo(state);
    }

    @Test
    void readsBackRandomStatesInNoMoreBytesThanAvrosWireFormat() {
        Random random = new Random(11);
        for (int round = 0; round < 300; round++) {
            KtoResponseState state = randomState(random);
            byte[] compact = serde.serializer().serialize(TOPIC, state);
            byte[] wire = avro.serializer().serialize(TOPIC, state);
            // kto.max.state.bytes is checked on Avro sizes: the records actually written must not be longer.
            assertThat(compact.length).isLessThanOrEqualTo(wire.length);
            assertThat(serde.deserializer().deserialize(TOPIC, compact)).isEqualTo(state);
        }
    }

    @Test
    void readsTheAvroRecordsOfEarlierBuilds() {
        Random random = new Random(12);
        for (int round = 0; round < 20; round++) {
            KtoResponseState state = randomState(random);
            byte[] old = avro.serializer().serialize(TOPIC, state);
            assertThat(serde.deserializer().deserialize(TOPIC, old)).isEqualTo(state);
        }
    }

    @Test
    void aResponseWrittenAgainOrReadBackIsWrittenAsTheSameBytes() {
        Random random = new Random(13);
        ResponseSnapshot response = randomResponse(random);
        KtoResponseState first = new KtoResponseState("r1", response, List.of(), List.of(), List.of(), 99L);
        serde.serializer().serialize(TOPIC, first);
        // The feedback's write: the same snapshot object, now with a vote, whose bytes are kept from the first write.
        Vote vote = new Vote("u1", "THUMBS_DOWN", "f1", 7L, -1L, true, true, false, new SourceOffset("fb", 1, 4L));
        KtoResponseState second = new KtoResponseState("r1", response, List.of(vote), List.of("f1"), List.of(), 99L);
        byte[] kept = serde.serializer().serialize(TOPIC, second);
        byte[] fresh = new KtoStateSerde(avro.deserializer()).serializer().serialize(TOPIC, second);
        assertThat(kept).isEqualTo(fresh);

        // A state read back (a restore, a cache miss) keeps its response's bytes the same way.
        KtoResponseState read = serde.deserializer().deserialize(TOPIC, fresh);
        assertThat(serde.serializer().serialize(TOPIC, read)).isEqualTo(fresh);
        assertThat(read).isEqualTo(second);
    }

    @Test
    void refusesATruncatedRecordOrOneOfAnotherVersion() {
        KtoResponseState state = randomState(new Random(14));
        byte[] bytes = serde.serializer().serialize(TOPIC, state);
        for (int cut : new int[] {1, bytes.length / 2, bytes.length - 1}) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, truncated))
                    .isInstanceOf(SerializationException.class);
        }
        byte[] future = bytes.clone();
        future[0] = 2;
        assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, future))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("version 1");
    }

    private static String text(Random random, int maxLength) {
        String alphabet = "abcXYZ019 é漢😀";
        StringBuilder b = new StringBuilder();
        int n = random.nextInt(maxLength + 1);
        while (b.length() < n) {
            b.appendCodePoint(alphabet.codePointAt(
                    alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return b.toString();
    }

    private static SourceOffset randomOffset(Random random) {
        return random.nextBoolean() ? null : new SourceOffset(text(random, 20), random.nextInt(), random.nextLong());
    }

    private static ResponseSnapshot randomResponse(Random random) {
        return ResponseSnapshot.newBuilder()
                .setResponseId(text(random, 40))
                .setPromptId(text(random, 40))
                .setPrompt(text(random, 500))
                .setCompletion(text(random, random.nextInt(10) == 0 ? 40_000 : 2_000))
                .setPolicyVersion(random.nextLong())
                .setRollout(random.nextBoolean())
                .setTask(random.nextBoolean() ? null : text(random, 10))
                .setEventTime(random.nextLong())
                .setTruncated(random.nextBoolean())
                .setOffset(randomOffset(random))
                .setUserId(random.nextBoolean() ? null : text(random, 30))
                .build();
    }

    private static KtoResponseState randomState(Random random) {
        ResponseSnapshot response = random.nextBoolean() ? null : randomResponse(random);
        List<Vote> votes = new ArrayList<>();
        for (int i = random.nextInt(50); i > 0; i--) {
            votes.add(new Vote(
                    text(random, 60),
                    text(random, 12),
                    text(random, 40),
                    random.nextLong(),
                    random.nextLong(),
                    random.nextBoolean(),
                    random.nextBoolean(),
                    random.nextBoolean(),
                    randomOffset(random)));
        }
        List<String> seen = new ArrayList<>();
        for (int i = random.nextInt(30); i > 0; i--) {
            seen.add(text(random, 40));
        }
        List<PendingFeedback> early = new ArrayList<>();
        for (int i = random.nextInt(5); i > 0; i--) {
            early.add(PendingFeedback.newBuilder()
                    .setFeedbackId(text(random, 40))
                    .setUserId(text(random, 40))
                    .setKind("THUMBS_UP")
                    .setEventTime(random.nextLong())
                    .setRecordTime(random.nextLong())
                    .setOffset(randomOffset(random))
                    .setRawKey(random.nextBoolean() ? null : ByteBuffer.wrap(bytes(random, 100)))
                    .setRawValue(ByteBuffer.wrap(bytes(random, 300)))
                    .build());
        }
        return new KtoResponseState(text(random, 40), response, votes, seen, early, random.nextLong());
    }

    private static byte[] bytes(Random random, int max) {
        byte[] b = new byte[random.nextInt(max + 1)];
        random.nextBytes(b);
        return b;
    }
}
