package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.producers.config.GatewayConfig;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-key token bucket and in-flight bound, on a clock the test moves. */
class KeyLimitsTest {

    private final AtomicLong nanos = new AtomicLong();

    private KeyLimits limits(double perSecond, int burst, int inFlight) {
        return new KeyLimits(
                GatewayConfig.Limits.defaults().withRate(perSecond, burst).withMaxInFlightPerKey(inFlight), nanos::get);
    }

    private void advanceMillis(long millis) {
        nanos.addAndGet(Duration.ofMillis(millis).toNanos());
    }

    @Test
    void aFullBucketAllowsItsBurstThenOneRequestPerRefilledToken() {
        KeyLimits limits = limits(2.0, 3, 10);

        // a burst of 3, then empty: the next token comes in 1/2 s
        assertThat(limits.takeToken("k")).isEmpty();
        assertThat(limits.takeToken("k")).isEmpty();
        assertThat(limits.takeToken("k")).isEmpty();
        assertThat(limits.takeToken("k")).contains(Duration.ofMillis(500));

        // 200 ms later, 0.4 of a token: 300 ms to wait
        advanceMillis(200);
        assertThat(limits.takeToken("k")).contains(Duration.ofMillis(300));

        // 300 ms more: one token, taken
        advanceMillis(300);
        assertThat(limits.takeToken("k")).isEmpty();
        assertThat(limits.takeToken("k")).isPresent();
    }

    @Test
    void aQuietSpellRefillsNoMoreThanTheBurstAndKeysHaveTheirOwnBuckets() {
        KeyLimits limits = limits(1.0, 2, 10);
        limits.takeToken("a");
        limits.takeToken("a");

        advanceMillis(60_000);

        assertThat(limits.takeToken("a")).isEmpty();
        assertThat(limits.takeToken("a")).isEmpty();
        assertThat(limits.takeToken("a")).contains(Duration.ofSeconds(1));
        assertThat(limits.takeToken("b")).isEmpty();
    }

    @Test
    void aZeroRateMeansNoLimit() {
        KeyLimits limits = limits(0, 1, 10);
        for (int i = 0; i < 1000; i++) {
            assertThat(limits.takeToken("k")).isEmpty();
        }
    }

    @Test
    void eachKeyHasItsOwnInFlightSlots() {
        KeyLimits limits = limits(0, 1, 2);

        assertThat(limits.acquire("a")).isTrue();
        assertThat(limits.acquire("a")).isTrue();
        assertThat(limits.acquire("a")).isFalse();
        assertThat(limits.acquire("b")).isTrue();
        limits.release("a");
        assertThat(limits.acquire("a")).isTrue();
    }
}
