package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.TickingClock;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.ClientEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class IdempotencyKeysTest {

    private final TickingClock clock = new TickingClock(Instant.parse("2026-12-07T10:00:00Z"));
    private final MockKafka kafka = new MockKafka(true);
    private final ChatFeedbackClient client = kafka.client();
    private final AtomicInteger builds = new AtomicInteger();

    private ClientEvent vote(String id) {
        builds.incrementAndGet();
        return client.feedbackEvent(FeedbackKind.THUMBS_UP, "r", "u", null, id);
    }

    private static byte[] body(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aKeyIsForgottenOnceItsAgePasses() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofMinutes(10), 1 << 20, clock);
        keys.resolve("s", "k", body("{}"), () -> vote("k"), e -> CompletableFuture.completedFuture(e.id()));
        assertThat(keys.resolve("s", "k", body("{}"), () -> vote("k"), e -> CompletableFuture.completedFuture("x")))
                .isInstanceOf(IdempotencyKeys.Replayed.class);

        clock.advance(Duration.ofMinutes(11));

        assertThat(keys.resolve("s", "k", body("{}"), () -> vote("k"), e -> CompletableFuture.completedFuture("x")))
                .isInstanceOf(IdempotencyKeys.Started.class);
        assertThat(builds).hasValue(2);
    }

    @Test
    void theOldestKeysGoFirstWhenTheByteBoundIsReached() {
        byte[] kb = new byte[1024];
        long entry = IdempotencyKeys.ENTRY_OVERHEAD_BYTES + 2L * "s\u0000k-00".length() + kb.length;
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofHours(1), 3 * entry, clock);
        for (int i = 0; i < 5; i++) {
            String k = "k-0" + i;
            keys.resolve("s", k, kb, () -> vote(k), e -> CompletableFuture.completedFuture(e.id()));
        }

        assertThat(keys.size()).isEqualTo(3);
        assertThat(keys.bytes()).isEqualTo(3 * entry);
        assertThat(keys.resolve("s", "k-00", kb, () -> vote("k-00"), e -> CompletableFuture.completedFuture("x")))
                .isInstanceOf(IdempotencyKeys.Started.class);
        assertThat(keys.resolve("s", "k-04", kb, () -> vote("k-04"), e -> CompletableFuture.completedFuture("x")))
                .isInstanceOf(IdempotencyKeys.Replayed.class);
    }

    @Test
    void aPendingWriteAnswersRetriesAsInProgressAndAFailedOneResendsTheSameEvent() {
        IdempotencyKeys keys = new IdempotencyKeys(Duration.ofHours(1), 1 << 20, clock);
        CompletableFuture<String> pending = new CompletableFuture<>();
        IdempotencyKeys.Outcome first = keys.resolve("s", "k", body("{}"), () -> vote(null), e -> pending);
        ClientEvent built = ((IdempotencyKeys.Started) first).event();

        assertThat(keys.resolve("s", "k", body("{}"), () -> vote(null), e -> pending))
                .isInstanceOf(IdempotencyKeys.InProgress.class);

        pending.completeExceptionally(new IllegalStateException("timed out"));
        IdempotencyKeys.Outcome retry =
                keys.resolve("s", "k", body("{}"), () -> vote(null), e -> CompletableFuture.completedFuture(e.id()));

        assertThat(retry).isInstanceOf(IdempotencyKeys.Resent.class);
        assertThat(((IdempotencyKeys.Resent) retry).event()).isSameAs(built);
        assertThat(builds).hasValue(1);
    }

    @Test
    void keysOutsideVisibleAsciiOrOver255CharactersAreInvalid() {
        assertThat(IdempotencyKeys.validKey("a3f1-22")).isTrue();
        assertThat(IdempotencyKeys.validKey("")).isFalse();
        assertThat(IdempotencyKeys.validKey("with space")).isFalse();
        assertThat(IdempotencyKeys.validKey("ключ")).isFalse();
        assertThat(IdempotencyKeys.validKey("x".repeat(255))).isTrue();
        assertThat(IdempotencyKeys.validKey("x".repeat(256))).isFalse();
    }
}
