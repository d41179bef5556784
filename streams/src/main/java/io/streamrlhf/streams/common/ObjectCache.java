package io.streamrlhf.streams.common;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToLongFunction;
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
    /** The held values (or {@link #ABSENT}) with their weights, least recently used first. */
    private final Map<K, Slot> values = new LinkedHashMap<>(16, 0.75f, true);

    private final ToLongFunction<V> weigher;
    private final long maxWeight;
    private long weight;

    /** A held value and its weight, in one map entry: one map operation per change, not two. */
    private record Slot(Object value, long weight) {}

    /**
     * @param store the store read on a miss and written on every change
     * @param maxEntries how many values to hold (at least 1); the least recently used beyond that is dropped
     */
    public ObjectCache(KeyValueStore<K, V> store, int maxEntries) {
        this(store, value -> 1, maxEntries);
    }

    /**
     * A cache bounded by weight rather than count, where values differ widely in size.
     *
     * @param store the store read on a miss and written on every change
     * @param weigher what a value weighs when it is held (given null for a known absence)
     * @param maxWeight the most the held values may weigh together (at least 1); the least recently used are
     *     dropped until the rest fit
     */
    public ObjectCache(KeyValueStore<K, V> store, ToLongFunction<V> weigher, long maxWeight) {
        this.store = Objects.requireNonNull(store, "store");
        this.weigher = Objects.requireNonNull(weigher, "weigher");
        if (maxWeight < 1) {
            throw new IllegalArgumentException("maxWeight must be at least 1, got " + maxWeight);
        }
        this.maxWeight = maxWeight;
    }

    /** The value of {@code key}, or null; an absence is remembered like a value. */
    @SuppressWarnings("unchecked")
    public V get(K key) {
        Slot cached = values.get(key);
        if (cached != null) {
            return cached.value() == ABSENT ? null : (V) cached.value();
        }
        V value = store.get(key);
        hold(key, value, weigher.applyAsLong(value));
        return value;
    }

    /** Writes {@code value} to the store and holds it. */
    public void put(K key, V value) {
        Objects.requireNonNull(value, "value");
        store.put(key, value);
        hold(key, value, weigher.applyAsLong(value));
    }

    /**
     * Writes {@code value} to the store and holds it at {@code weight}, which the caller already knows (what the
     * weigher would give): a caller that sized the value to check a bound need not have it weighed again.
     */
    public void put(K key, V value, long weight) {
        Objects.requireNonNull(value, "value");
        store.put(key, value);
        hold(key, value, weight);
    }

    /** Deletes {@code key} from the store; its absence is held. */
    public void delete(K key) {
        store.delete(key);
        hold(key, null, weigher.applyAsLong(null));
    }

    private void hold(K key, V value, long w) {
        Slot previous = values.put(key, new Slot(value == null ? ABSENT : value, w));
        weight += w - (previous == null ? 0 : previous.weight());
        // The newest entry stays even when it alone is over the bound: the caller is about to use it.
        if (weight > maxWeight) {
            Iterator<Slot> eldest = values.values().iterator();
            while (weight > maxWeight && values.size() > 1) {
                weight -= eldest.next().weight();
                eldest.remove();
            }
        }
    }

    /** Every entry, read from the store (which has every write). */
    public KeyValueIterator<K, V> all() {
        return store.all();
    }

    /** How many values (and known absences) are held; for tests. */
    int size() {
        return values.size();
    }

    /** What the held values weigh together; for tests. */
    long weight() {
        return weight;
    }
}
