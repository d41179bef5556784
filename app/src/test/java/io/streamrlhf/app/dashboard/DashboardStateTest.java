package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.schemas.topic.TopicNames;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DashboardStateTest {

    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    private final DashboardState state =
            new DashboardState(Clock.fixed(NOW, ZoneOffset.UTC), TopicNames.defaults(), "127.0.0.1:9092", null);

    @Test
    void everyChangeBumpsTheRevision() {
        long before = state.revision();
        state.onPolicyVersion(Records.version(1, NOW, 10));
        state.onTrainerMetrics(Records.step(1, 0, NOW, Map.of("kl", 0.1)));
        state.onDeadLetter(Records.deadLetter("t", 1, "E", "r", NOW));
        assertThat(state.revision()).isEqualTo(before + 3);
    }

    @Test
    void awaitChangeWakesOnTheNextChange() throws Exception {
        long seen = state.revision();
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return state.awaitChange(seen, 30_000);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        state.onPolicyVersion(Records.version(1, NOW, 10));
        assertThat(waiter.get(10, TimeUnit.SECONDS)).isEqualTo(seen + 1);
    }

    @Test
    void awaitChangeReturnsTheSameRevisionWhenNothingHappens() throws Exception {
        assertThat(state.awaitChange(state.revision(), 20)).isEqualTo(state.revision());
    }

    @Test
    void aRepeatedMonitorFailureIsNotAChange() {
        DashboardState withMonitor = new DashboardState(
                Clock.systemUTC(), TopicNames.defaults(), "k:9092", "http://127.0.0.1:7071/api/monitor");
        withMonitor.onMonitorFailed("connection refused");
        long revision = withMonitor.revision();
        withMonitor.onMonitorFailed("connection refused");
        assertThat(withMonitor.revision()).isEqualTo(revision);
        assertThat(withMonitor.snapshot().monitor().status()).isEqualTo("error");
    }

    @Test
    void snapshotIsPlainJsonWithEverySection() throws Exception {
        state.onPolicyVersion(Records.version(0, NOW, 0));
        state.onTrainerMetrics(Records.step(1, 0, NOW, Map.of("loss/dpo", 0.69, "kl", Double.NaN)));

        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsBytes(state.snapshot()));

        assertThat(json.path("versions").get(0).path("version").asLong()).isZero();
        assertThat(json.path("trainer")
                        .path("series")
                        .path("loss/dpo")
                        .get(0)
                        .get(1)
                        .asDouble())
                .isEqualTo(0.69);
        assertThat(json.path("trainer").path("latest").has("kl")).isFalse();
        assertThat(json.path("monitor").path("status").asText()).isEqualTo("disabled");
        assertThat(json.path("topics").path("policyVersions").asText()).isEqualTo("rlhf.policy.versions");
        assertThat(json.path("serverTime").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(json.has("activity")).isTrue();
        assertThat(json.has("deadLetters")).isTrue();
    }
}
