package io.streamrlhf.producers.gateway;

import io.streamrlhf.producers.config.GatewayConfig;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.function.LongSupplier;

/**
 * What one API key may use of the gateway: a token bucket ({@code gateway.rate.limit.per.second} tokens a second up
 * to {@code gateway.rate.limit.burst}) and a bound on its requests waiting on Kafka
 * ({@code gateway.max.in.flight.per.key}), so that one busy or hostile key cannot take the whole global in-flight
 * limit from the others. State is kept per key name; the set of keys is fixed at start, so the maps stay small.
 */
final class KeyLimits {

    private final GatewayConfig.Limits limits;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final Map<String, Semaphore> inFlight = new ConcurrentHashMap<>();

    KeyLimits(GatewayConfig.Limits limits) {
        this(limits, System::nanoTime);
    }

    KeyLimits(GatewayConfig.Limits limits, LongSupplier nanoTime) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    /**
     * Takes one token from {@code key}'s bucket; when it is empty, takes nothing and says how long until a token is
     * there (the answer's Retry-After).
     */
    Optional<Duration> takeToken(String key) {
        if (limits.ratePerSecond() == 0) {
            return Optional.empty();
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(limits.burst(), nanoTime.getAsLong()))
                .take(limits.ratePerSecond(), limits.burst(), nanoTime.getAsLong());
    }

    /** Takes one of {@code key}'s in-flight slots, or returns false when all are taken. */
    boolean acquire(String key) {
        return slots(key).tryAcquire();
    }

    /** Gives back a slot taken by {@link #acquire}. */
    void release(String key) {
        slots(key).release();
    }

    private Semaphore slots(String key) {
        return inFlight.computeIfAbsent(key, k -> new Semaphore(limits.maxInFlightPerKey()));
    }

    /** A token bucket refilled continuously from the elapsed time. */
    private static final class Bucket {
        private double tokens;
        private long updatedNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.updatedNanos = now;
        }

        synchronized Optional<Duration> take(double perSecond, int burst, long now) {
            tokens = Math.min(burst, tokens + (now - updatedNanos) / 1e9 * perSecond);
            updatedNanos = now;
            if (tokens >= 1) {
                tokens -= 1;
                return Optional.empty();
            }
            long waitNanos = (long) Math.ceil((1 - tokens) / perSecond * 1e9);
            return Optional.of(Duration.ofNanos(waitNanos));
        }
    }
}
