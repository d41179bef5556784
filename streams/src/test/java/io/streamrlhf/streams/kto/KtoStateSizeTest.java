package io.streamrlhf.streams.kto;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.PendingFeedback;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.avro.Vote;
import io.streamrlhf.streams.common.AvroSize;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KtoStateSizeTest {

    @Test
    void countsEveryFieldOfTheRecordsItReads() {
        // A new field must be added to KtoStateSize too, or its bound may fall below the true size.
        assertThat(KtoResponseState.getClassSchema().getFields()).hasSize(6);
        assertThat(ResponseSnapshot.getClassSchema().getFields()).hasSize(11);
        assertThat(Vote.getClassSchema().getFields()).hasSize(9);
        assertThat(PendingFeedback.getClassSchema().getFields()).hasSize(8);
        assertThat(SourceOffset.getClassSchema().getFields()).hasSize(3);
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

    @Test
    void isNeverBelowTheExactSizeOfRandomStates() {
        Random random = new Random(7);
        for (int round = 0; round < 300; round++) {
            ResponseSnapshot response = random.nextBoolean()
                    ? null
                    : ResponseSnapshot.newBuilder()
                            .setResponseId(text(random, 40))
                            .setPromptId(text(random, 40))
                            .setPrompt(text(random, 500))
                            .setCompletion(text(random, 2000))
                            .setPolicyVersion(random.nextLong())
                            .setRollout(random.nextBoolean())
                            .setTask(random.nextBoolean() ? null : text(random, 10))
                            .setEventTime(random.nextLong())
                            .setTruncated(random.nextBoolean())
                            .setOffset(
                                    random.nextBoolean()
                                            ? null
                                            : new SourceOffset(text(random, 20), random.nextInt(), random.nextLong()))
                            .build();
            List<Vote> votes = new ArrayList<>();
            for (int i = random.nextInt(50); i > 0; i--) {
                Vote v = VoteRules.newVote(text(random, 60));
                VoteRules.apply(
                        v,
                        text(random, 40),
                        FeedbackKind.values()[random.nextInt(3)],
                        random.nextLong(),
                        random.nextBoolean()
                                ? null
                                : new SourceOffset(text(random, 20), random.nextInt(), random.nextLong()));
                v.setSettleAt(random.nextLong());
                votes.add(v);
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
                        .setOffset(random.nextBoolean() ? null : new SourceOffset("t", 1, 2L))
                        .setRawKey(random.nextBoolean() ? null : ByteBuffer.wrap(new byte[random.nextInt(100)]))
                        .setRawValue(ByteBuffer.wrap(new byte[random.nextInt(300)]))
                        .build());
            }
            KtoResponseState state =
                    new KtoResponseState(text(random, 40), response, votes, seen, early, random.nextLong());
            assertThat(KtoStateSize.upperBound(state)).isGreaterThanOrEqualTo(AvroSize.exact(state));
        }
    }
}
