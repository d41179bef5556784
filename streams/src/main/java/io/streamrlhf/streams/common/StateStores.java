package io.streamrlhf.streams.common;

import io.streamrlhf.streams.config.StateStoreType;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Builds the named, changelogged, cached state stores of the topologies, on RocksDB or in memory. Caching lets
 * several updates of one key between two commits reach the changelog once.
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
        return Stores.keyValueStoreBuilder(type == StateStoreType.ROCKSDB ? Stores.persistentKeyValueStore(name)
                : Stores.inMemoryKeyValueStore(name), keys, values).withCachingEnabled();
    }

    /** A window store without duplicates. */
    public <K, V> StoreBuilder<WindowStore<K, V>> window(String name, Duration retention, Duration size,
                                                           Serde<K> keys, Serde<V> values) {
        return Stores.windowStoreBuilder(type == StateStoreType.ROCKSDB
                ? Stores.persistentWindowStore(name, retention, size, false)
                : Stores.inMemoryWindowStore(name, retention, size, false), keys, values).withCachingEnabled();
    }
}
