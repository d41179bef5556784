package io.streamrlhf.streams.erasure;

import io.streamrlhf.schemas.topic.Topic;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The erased user ids: a global table over the erasures topic ({@code UserErased} by user id), held whole by every
 * instance, so that a task on any partition can ask whether a user is erased without a repartition.
 *
 * <p>The table keeps the raw value bytes: only the key's presence matters, and a value that does not decode (a
 * broken producer, a registry outage) must not stop the global thread, which would stop the whole application. A
 * tombstone for a user id lifts the erasure for events that arrive afterwards; nothing dropped comes back. The
 * global thread runs beside the stream threads, so an event that arrives within moments of its user's erasure may
 * still be counted; {@link io.streamrlhf.streams.kto.KtoJoinProcessor}'s periodic scan then takes it out again.
 */
public final class ErasedUsers {

    /** The global store of erased user ids (in memory: it is rebuilt from the compacted topic on every start). */
    public static final String STORE = "erased-users";

    private final ReadOnlyKeyValueStore<String, ?> store;

    private ErasedUsers(ReadOnlyKeyValueStore<String, ?> store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Adds the global table over {@code erasures} to {@code builder}. Call once per builder. */
    public static void addTo(StreamsBuilder builder, Topic<String, ?> erasures) {
        builder.globalTable(
                erasures.name(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("erasures-source"),
                Materialized.<String, byte[]>as(Stores.inMemoryKeyValueStore(STORE))
                        .withKeySerde(Serdes.String())
                        .withValueSerde(Serdes.ByteArray())
                        // No record cache: the store itself then holds every erasure the global thread has read,
                        // so its entry count is exact at once and contains() may trust a count of zero.
                        .withCachingDisabled());
    }

    /** The erased users as {@code context}'s task sees them. */
    public static ErasedUsers of(ProcessorContext<?, ?> context) {
        KeyValueStore<String, ?> store = context.getStateStore(STORE);
        return new ErasedUsers(store);
    }

    /**
     * Whether {@code userId} is erased; {@code null} (no user) never is. While nobody is erased (the usual case) this
     * costs the store's entry count, not a key lookup: the join asks on every response and every feedback.
     */
    public boolean contains(String userId) {
        return userId != null && store.approximateNumEntries() > 0 && store.get(userId) != null;
    }

    /**
     * How many user ids are erased: the in-memory store counts exactly, so a change tells a task that a scan of
     * its state is due.
     */
    public long count() {
        return store.approximateNumEntries();
    }
}
