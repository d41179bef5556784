package io.streamrlhf.streams.common;

import io.streamrlhf.streams.config.StateStoreType;
import java.time.Duration;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Builds the named, changelogged state stores of the topologies, on RocksDB or in memory. Key-value and window
 * stores are cached, so several updates of one key between two commits reach the changelog once; schedule indexes
 * are not (see {@link #scheduleIndex}).
 */
public final class StateStores {

    private final StateStoreType type;

    public StateStores(StateStoreType type) {
        this.type = type;
    }

    public StateStoreType type() {
        return type;
    }

    /** A key-value store. */
    public <K, V> StoreBuilder<KeyValueStore<K, V>> keyValue(String name, Serde<K> keys, Serde<V> values) {
        return Stores.keyValueStoreBuilder(supplier(name), keys, values).withCachingEnabled();
    }

    /**
     * A key-value store that holds its {@code maxEntries} most recently used values as objects and writes changed ones
     * to the changelogged store before each commit ({@link WriteBehindKeyValueStore}), in place of Kafka's record
     * cache, which serializes on every write and deserializes on every read. For a processor's private store whose
     * values it reads, changes and writes back: values handed out are live, so a change must be {@code put} again.
     */
    public <K, V> StoreBuilder<KeyValueStore<K, V>> objectCached(String name, Serde<K> keys, Serde<V> values,
                                                                  int maxEntries) {
        return objectCached(name, keys, values, value -> 1, maxEntries);
    }

    /**
     * Like {@link #objectCached(String, Serde, Serde, int)}, but the cached values may weigh at most
     * {@code maxWeight} together, each weighed by {@code weigher} (given null for a known absence) when it is put:
     * bounded by bytes rather than by count, where values differ widely in size.
     */
    public <K, V> StoreBuilder<KeyValueStore<K, V>> objectCached(String name, Serde<K> keys, Serde<V> values,
                                                                  ToLongFunction<V> weigher, long maxWeight) {
        return new WriteBehindStoreBuilder<>(Stores.keyValueStoreBuilder(supplier(name), keys, values), weigher,
                maxWeight);
    }

    /**
     * The store of a {@link ScheduleIndex}: string keys and values, changelogged, without a cache. Each key is
     * written once and deleted once when it comes due, so a cache would merge nothing and only add its own
     * bookkeeping on every write and a merged iterator on every poll.
     */
    public StoreBuilder<KeyValueStore<String, String>> scheduleIndex(String name) {
        return Stores.keyValueStoreBuilder(supplier(name), Serdes.String(), Serdes.String());
    }

    /**
     * The store of a {@link ScheduleIndex} that its processor rebuilds from its own state on every {@code init}
     * (after Kafka Streams has restored that state): like {@link #scheduleIndex}, but without a changelog, so an
     * entry costs no changelog record and no broker write.
     */
    public StoreBuilder<KeyValueStore<String, String>> rebuiltScheduleIndex(String name) {
        return scheduleIndex(name).withLoggingDisabled();
    }

    /** The key-value bytes store of the configured type. */
    private KeyValueBytesStoreSupplier supplier(String name) {
        return type == StateStoreType.ROCKSDB ? Stores.persistentKeyValueStore(name)
                : Stores.inMemoryKeyValueStore(name);
    }

    /** A window store without duplicates. */
    public <K, V> StoreBuilder<WindowStore<K, V>> window(String name, Duration retention, Duration size,
                                                           Serde<K> keys, Serde<V> values) {
        return Stores.windowStoreBuilder(type == StateStoreType.ROCKSDB
                ? Stores.persistentWindowStore(name, retention, size, false)
                : Stores.inMemoryWindowStore(name, retention, size, false), keys, values).withCachingEnabled();
    }
}
