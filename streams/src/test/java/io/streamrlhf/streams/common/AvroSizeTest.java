package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.streams.avro.DerivedPromptState;
import io.streamrlhf.streams.avro.DerivedResponse;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.PendingFeedback;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.RolloutGroup;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.avro.Vote;
import io.streamrlhf.streams.kto.VoteRules;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** The size computed without serializing is the size the project's serializer writes. */
class AvroSizeTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @SuppressWarnings("unchecked")
    private <T extends SpecificRecord> int serialized(T record) {
        return AvroSerde.forValues((Class<T>) record.getClass(), registry)
                .serializer()
                .serialize(record.getClass().getSimpleName(), record)
                .length;
    }

    private static ResponseSnapshot snapshot(String id, String prompt, String completion, long version) {
        return ResponseSnapshot.newBuilder()
                .setResponseId(id)
                .setPromptId("p-" + id)
                .setPrompt(prompt)
                .setCompletion(completion)
                .setPolicyVersion(version)
                .setTask(version % 2 == 0 ? null : "math")
                .setEventTime(-version * 1_000_003L)
                .setOffset(new SourceOffset("rlhf.responses", 2, version))
                .build();
    }

    @Test
    void matchesTheSerializerForAnEmptyAndAFullKtoState() {
        KtoResponseState empty =
                new KtoResponseState("r", null, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), -1L);
        assertThat(AvroSize.exact(empty)).isEqualTo(serialized(empty));

        List<Vote> votes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Vote v = VoteRules.newVote("user-" + i);
            VoteRules.apply(
                    v,
                    "f" + i,
                    io.streamrlhf.avro.FeedbackKind.THUMBS_UP,
                    1_700_000_000_000L + i,
                    i % 3 == 0 ? null : new SourceOffset("rlhf.feedback", i % 7, (long) i * 977));
            v.setSettleAt(i % 2 == 0 ? -1 : Long.MAX_VALUE - i);
            votes.add(v);
        }
        List<PendingFeedback> early = List.of(PendingFeedback.newBuilder()
                .setFeedbackId("e")
                .setUserId("u")
                .setKind("THUMBS_DOWN")
                .setEventTime(Long.MIN_VALUE)
                .setRecordTime(0)
                .setRawKey(ByteBuffer.wrap(new byte[200]))
                .setRawValue(null)
                .build());
        KtoResponseState full = new KtoResponseState(
                "r-full",
                snapshot("r-full", "a prompt", "a completion", 7),
                votes,
                List.of("f1", "f2"),
                early,
                1_700_600_000_000L);
        assertThat(AvroSize.exact(full)).isEqualTo(serialized(full));
        assertThat(AvroSize.upperBound(full)).isGreaterThanOrEqualTo(AvroSize.exact(full));
    }

    @Test
    void countsUtf8BytesOfEveryKindOfCharacterExactly() {
        // Two-byte, three-byte and four-byte (surrogate pair) characters, and a lone surrogate written as '?'.
        String text = "héllo wörld 漢字テキスト 😀🎉 end" + '\uD800' + "x" + '\uDC00';
        ResponseSnapshot s = snapshot("u", text, text.repeat(50), 1);
        assertThat(AvroSize.utf8Length(text)).isEqualTo(text.getBytes(StandardCharsets.UTF_8).length);
        assertThat(AvroSize.exact(s)).isEqualTo(serialized(s));
        assertThat(AvroSize.upperBound(s)).isGreaterThanOrEqualTo(AvroSize.exact(s));
    }

    @Test
    void matchesTheSerializerForMapsArraysAndLogicalTimestamps() {
        Random random = new Random(42);
        List<DerivedResponse> responses = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Map<String, Boolean> labels = new java.util.HashMap<>();
            for (int u = 0; u < random.nextInt(20); u++) {
                labels.put("user-" + random.nextInt(1_000_000), random.nextBoolean());
            }
            responses.add(DerivedResponse.newBuilder()
                    .setResponseId("r" + i)
                    .setPrompt("prompt")
                    .setCompletion("c".repeat(random.nextInt(500)))
                    .setPolicyVersion(random.nextLong())
                    .setLabels(labels)
                    .setLastTime(random.nextLong())
                    .setTruncated(random.nextBoolean())
                    .build());
        }
        DerivedPromptState derived = DerivedPromptState.newBuilder()
                .setPromptId("p")
                .setResponses(responses)
                .setEmittedPairIds(List.of("dpo-derived-1", "dpo-derived-2"))
                .setLastTime(123)
                .build();
        assertThat(AvroSize.exact(derived)).isEqualTo(serialized(derived));

        RolloutGroup group = RolloutGroup.newBuilder()
                .setPromptId("p")
                .setPolicyVersion(Integer.MAX_VALUE + 5L)
                .setRollouts(List.of(snapshot("a", "p", "x", 2), snapshot("b", "p", "yy", 3)))
                .setOpenedAt(-5)
                .setClosed(false)
                .setClosedAt(-1)
                .build();
        assertThat(AvroSize.exact(group)).isEqualTo(serialized(group));

        DeadLetter letter = DeadLetter.newBuilder()
                .setOriginalKey(ByteBuffer.wrap("k".getBytes()))
                .setOriginalValue(null)
                .setTopic("rlhf.feedback")
                .setPartition(-1)
                .setOffset(Long.MIN_VALUE)
                .setErrorClass("validation")
                .setReason("X: y")
                .setTime(Instant.ofEpochMilli(1_700_000_000_123L))
                .build();
        assertThat(AvroSize.exact(letter)).isEqualTo(serialized(letter));
    }

    @Test
    void fitsAnswersByTheExactSizeWhenTheUpperBoundIsOver() {
        ResponseSnapshot ascii = snapshot("a", "p", "x".repeat(10_000), 1);
        long exact = AvroSize.exact(ascii);
        assertThat(AvroSize.upperBound(ascii)).isGreaterThan(exact + 19_000);
        assertThat(AvroSize.fits(ascii, exact)).isTrue();
        assertThat(AvroSize.fits(ascii, exact - 1)).isFalse();
    }
}
