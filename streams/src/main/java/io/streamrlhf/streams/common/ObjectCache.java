package io.streamrlhf.streams.common;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A processor's cache of its most recently used values as objects, in front of its key-value store: a read served
 * here costs no deserialization. Writes go through to the store at once, so the store and its changelog (whose
 * record cache merges several writes of one key between two commits) stay exactly what Kafka Streams commits; this
 * object holds no change of its own and needs no hook into Kafka Streams' commit.
 *
 * <p>Owned by one processor instance and created in its {@code init}, which Kafka Streams calls again whenever it
 * restores the store (a new task, one revived after an aborted transaction, one recycled from a standby): a new cache
 * each time, so it never outlives the state it mirrors. The values handed out are live: a caller that changes one
 * must {@code put} it again, or the store never sees the change.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class ObjectCache<K, V> {

    private static final Object ABSENT = new Object();

    private final KeyValueStore<K, V> store;
    private final Map<K, Object> values;

    /**
     * @param store the store read on a miss and written on every change
     * @param maxEntries how many values to hold (at least 1); the least recently used beyond that is dropped
     */
    public ObjectCache(KeyValueStore<K, V> store, int maxEntries) {
        this.store = Objects.requireNonNull(store, "store");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.values = new LinkedHashMap<>(Math.min(maxEntries, 1 << 16) * 4 / 3 + 1, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, Object> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** The value of {@code key}, or null; an absence is remembered like a value. */
    @SuppressWarnings("unchecked")
    public V get(K key) {
        Object cached = values.get(key);
        if (cached != null) {
            return cached == ABSENT ? null : (V) cached;
        }
        V value = store.get(key);
        values.put(key, value == null ? ABSENT : value);
        return value;
    }

    /** Writes {@code value} to the store and holds it. */
    public void put(K key, V value) {
        Objects.requireNonNull(value, "value");
        store.put(key, value);
        values.put(key, value);
    }

    /** Deletes {@code key} from the store; its absence is held. */
    public void delete(K key) {
        store.delete(key);
        values.put(key, ABSENT);
    }

    /** Every entry, read from the store (which has every write). */
    public KeyValueIterator<K, V> all() {
        return store.all();
    }

    /** How many values (and known absences) are held; for tests. */
    int size() {
        return values.size();
    }
}
