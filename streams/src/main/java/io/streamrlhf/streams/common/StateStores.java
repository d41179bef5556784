package io.streamrlhf.streams.common;

import io.streamrlhf.streams.config.StateStoreType;
import java.time.Duration;
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
 * are not (see {@link #scheduleIndex}), nor in-memory stores behind an object cache
 * ({@link #keyValueBehindObjectCache}).
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
     * A key-value store read through a processor's own {@link ObjectCache}, which already serves the reads. In memory
     * it has no record cache: the record cache's bookkeeping on every write (a sorted map and an LRU list) and its
     * flush at every commit cost the KTO stream threads more CPU than the changelog record it saves when a key is
     * written twice between two commits (a response, then its feedback). On RocksDB the record cache stays, as it
     * also saves a RocksDB write per merged update, and there the benchmark showed no clear gain without it.
     */
    public <K, V> StoreBuilder<KeyValueStore<K, V>> keyValueBehindObjectCache(
            String name, Serde<K> keys, Serde<V> values) {
        StoreBuilder<KeyValueStore<K, V>> store = Stores.keyValueStoreBuilder(supplier(name), keys, values);
        return type == StateStoreType.ROCKSDB ? store.withCachingEnabled() : store;
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
        return type == StateStoreType.ROCKSDB
                ? Stores.persistentKeyValueStore(name)
                : Stores.inMemoryKeyValueStore(name);
    }

    /** A window store without duplicates. */
    public <K, V> StoreBuilder<WindowStore<K, V>> window(
            String name, Duration retention, Duration size, Serde<K> keys, Serde<V> values) {
        return Stores.windowStoreBuilder(
                        type == StateStoreType.ROCKSDB
                                ? Stores.persistentWindowStore(name, retention, size, false)
                                : Stores.inMemoryWindowStore(name, retention, size, false),
                        keys,
                        values)
                .withCachingEnabled();
    }
}
