package io.streamrlhf.streams.common;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToLongFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A key-value store that keeps recently used values as objects and writes changed ones to the store below it (the
 * changelogged store, without Kafka's record cache) when Kafka Streams flushes caches before a commit, or when an
 * entry is evicted. It does the record cache's job, several updates of one key between two commits reaching the
 * changelog once, without serializing a value on every {@code put} and deserializing it on every {@code get}: a
 * response and its feedback, which arrive a few records apart, cost one serialization instead of two and no
 * deserialization.
 *
 * <p>Exactly once: the changed values are written in {@link #flushCache()}, which Kafka Streams calls on every
 * cached store before it commits the transaction ({@code ProcessorStateManager.flushCache}, reached through the
 * {@link CachedStateStore} interface, which is internal to Kafka Streams: pinned Kafka version, see the pom), so the
 * changelog records join the same transaction as the output and the input offsets, as the record cache's do.
 * {@link #clearCache()} and {@link #close()} drop unwritten values, which belong to a transaction that is not
 * committed.
 *
 * <p>The values handed out are live: a caller that changes one must {@code put} it again, or the change is lost
 * when the entry is evicted (as it would be with a serializing store). Not for interactive queries: {@link #query}
 * reads the store below, without unwritten values. Range reads write every changed value first, then read below.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class WriteBehindKeyValueStore<K, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {

    /** One cached value; {@code value == null} is a known absence (or a delete, when dirty). */
    private static final class Slot<V> {
        V value;
        boolean dirty;
        long weight;

        Slot(V value, boolean dirty, long weight) {
            this.value = value;
            this.dirty = dirty;
            this.weight = weight;
        }
    }

    private final KeyValueStore<K, V> inner;
    private final ToLongFunction<V> weigher;
    private final long maxWeight;
    private final LinkedHashMap<K, Slot<V>> slots;
    private int dirtyCount;
    private long weight;

    /**
     * @param inner the store written to: changelogged and without Kafka's record cache
     * @param maxEntries how many values to keep as objects (at least 1); the least recently used beyond that is
     *                   written, if changed, and dropped
     */
    public WriteBehindKeyValueStore(KeyValueStore<K, V> inner, int maxEntries) {
        this(inner, value -> 1, maxEntries);
    }

    /**
     * @param inner the store written to: changelogged and without Kafka's record cache
     * @param weigher the weight of a value (given null for a known absence), weighed on every {@code put}
     * @param maxWeight the most the cached values may weigh together (at least 1); the least recently used beyond
     *                  that are written, if changed, and dropped, but the most recently used is always kept
     */
    public WriteBehindKeyValueStore(KeyValueStore<K, V> inner, ToLongFunction<V> weigher, long maxWeight) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.weigher = Objects.requireNonNull(weigher, "weigher");
        if (maxWeight < 1) {
            throw new IllegalArgumentException("maxWeight must be at least 1, got " + maxWeight);
        }
        this.maxWeight = maxWeight;
        this.slots = new LinkedHashMap<>(1 << 10, 0.75f, true);
    }

    @Override
    public V get(K key) {
        Slot<V> slot = slots.get(key);
        if (slot != null) {
            return slot.value;
        }
        V value = inner.get(key);
        long w = weigher.applyAsLong(value);
        slots.put(key, new Slot<>(value, false, w));
        weight += w;
        evictIfFull();
        return value;
    }

    @Override
    public void put(K key, V value) {
        Objects.requireNonNull(key, "key");
        Slot<V> slot = slots.get(key);
        long w = weigher.applyAsLong(value);
        weight += w;
        if (slot == null) {
            slots.put(key, new Slot<>(value, true, w));
            dirtyCount++;
        } else {
            weight -= slot.weight;
            slot.weight = w;
            slot.value = value;
            if (!slot.dirty) {
                slot.dirty = true;
                dirtyCount++;
            }
        }
        evictIfFull();
    }

    @Override
    public V putIfAbsent(K key, V value) {
        V old = get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(List<KeyValue<K, V>> entries) {
        for (KeyValue<K, V> kv : entries) {
            put(kv.key, kv.value);
        }
    }

    @Override
    public V delete(K key) {
        V old = get(key);
        put(key, null);
        return old;
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        writeDirty();
        return inner.range(from, to);
    }

    @Override
    public KeyValueIterator<K, V> reverseRange(K from, K to) {
        writeDirty();
        return inner.reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<K, V> all() {
        writeDirty();
        return inner.all();
    }

    @Override
    public KeyValueIterator<K, V> reverseAll() {
        writeDirty();
        return inner.reverseAll();
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
        writeDirty();
        return inner.prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries() + dirtyCount;
    }

    /** How many values are held as objects (for tests). */
    int cachedEntries() {
        return slots.size();
    }

    /** How many of them are not yet written below (for tests). */
    int dirtyEntries() {
        return dirtyCount;
    }

    /** What the cached values weigh together (for tests). */
    long cachedWeight() {
        return weight;
    }

    private void evictIfFull() {
        if (weight <= maxWeight) {
            return;
        }
        Iterator<Map.Entry<K, Slot<V>>> it = slots.entrySet().iterator();
        while (weight > maxWeight && slots.size() > 1 && it.hasNext()) {
            Map.Entry<K, Slot<V>> eldest = it.next();
            it.remove();
            weight -= eldest.getValue().weight;
            if (eldest.getValue().dirty) {
                dirtyCount--;
                write(eldest.getKey(), eldest.getValue().value);
            }
        }
    }

    /**
     * Writes every changed value to the store below, least recently used first; they stay cached, clean (a delete
     * stays as a known absence).
     */
    private void writeDirty() {
        if (dirtyCount == 0) {
            return;
        }
        for (Map.Entry<K, Slot<V>> e : slots.entrySet()) {
            Slot<V> slot = e.getValue();
            if (slot.dirty) {
                write(e.getKey(), slot.value);
                slot.dirty = false;
            }
        }
        dirtyCount = 0;
    }

    private void write(K key, V value) {
        if (value == null) {
            inner.delete(key);
        } else {
            inner.put(key, value);
        }
    }

    // Kafka Streams' cache protocol: flushed before every commit, cleared when a task is recycled.

    @Override
    public boolean setFlushListener(CacheFlushListener<K, V> listener, boolean sendOldValues) {
        return false; // no downstream forwarding on flush (that is for KTable caches)
    }

    @Override
    public void flushCache() {
        writeDirty();
    }

    @Override
    public void clearCache() {
        slots.clear();
        dirtyCount = 0;
        weight = 0;
    }

    // StateStore: the store below does the registering, restoring, logging and committing.

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        inner.init(context, root);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void flush() {
        writeDirty();
        inner.flush();
    }

    @Override
    public void commit(Map<TopicPartition, Long> changelogOffsets) {
        writeDirty();
        inner.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public void close() {
        clearCache();
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
        return inner.query(query, positionBound, config);
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}
