package io.streamrlhf.streams.common;

import java.util.Map;
import java.util.Objects;
import java.util.function.ToLongFunction;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Builds a {@link WriteBehindKeyValueStore} over the store {@code inner} builds, which must be without Kafka's record
 * cache (the object cache takes its place). Logging settings pass through to {@code inner}.
 */
final class WriteBehindStoreBuilder<K, V> implements StoreBuilder<KeyValueStore<K, V>> {

    private final StoreBuilder<KeyValueStore<K, V>> inner;
    private final ToLongFunction<V> weigher;
    private final long maxWeight;

    WriteBehindStoreBuilder(StoreBuilder<KeyValueStore<K, V>> inner, ToLongFunction<V> weigher, long maxWeight) {
        this.inner = Objects.requireNonNull(inner, "inner").withCachingDisabled();
        this.weigher = Objects.requireNonNull(weigher, "weigher");
        this.maxWeight = maxWeight;
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
        return this; // it is a cache
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
        throw new UnsupportedOperationException("a write-behind store is a cache; build the inner store instead");
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(Map<String, String> config) {
        inner.withLoggingEnabled(config);
        return this;
    }

    @Override
    public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
        inner.withLoggingDisabled();
        return this;
    }

    @Override
    public KeyValueStore<K, V> build() {
        return new WriteBehindKeyValueStore<>(inner.build(), weigher, maxWeight);
    }

    @Override
    public Map<String, String> logConfig() {
        return inner.logConfig();
    }

    @Override
    public boolean loggingEnabled() {
        return inner.loggingEnabled();
    }

    @Override
    public String name() {
        return inner.name();
    }
}
