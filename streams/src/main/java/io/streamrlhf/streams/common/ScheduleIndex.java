package io.streamrlhf.streams.common;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A time-ordered index of things due at a stream time (settle deadlines, expiries), kept in a key-value store whose
 * keys sort by time: {@code <16 hex digits of the time>|<tag>}. Punctuators ask for what is due instead of scanning
 * every entry of the main store.
 */
public final class ScheduleIndex {

    /** One due entry. */
    public record Entry(long time, String tag) {}

    private static final String MAX_SUFFIX = "|\uffff";
    private final KeyValueStore<String, String> store;

    public ScheduleIndex(KeyValueStore<String, String> store) {
        this.store = store;
    }

    /** Separates the parts of a tag; ids never contain it. */
    public static final String SEP = "\u001f";

    /** A tag made of {@code parts}. */
    public static String tag(String... parts) {
        return String.join(SEP, parts);
    }

    /** The parts of a tag made by {@link #tag}. */
    public static String[] parts(String tag) {
        return tag.split(SEP, -1);
    }

    /** Schedules {@code tag} at {@code time} (idempotent). */
    public void add(long time, String tag) {
        store.put(key(time, tag), tag);
    }

    /**
     * Schedules {@code value} at {@code time} under the key {@code time|keyTag}: for an entry whose value is too long
     * to be its own key (a batch of ids); {@link #pollDue} returns the value as the entry's tag.
     */
    public void add(long time, String keyTag, String value) {
        store.put(key(time, keyTag), value);
    }

    /** Removes the entry for {@code tag} at {@code time}, if any. */
    public void remove(long time, String tag) {
        store.delete(key(time, tag));
    }

    /** Removes and returns every entry due at or before {@code now}, oldest first. */
    public List<Entry> pollDue(long now) {
        List<Entry> due = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        String last = hex16(now) + MAX_SUFFIX;
        try (KeyValueIterator<String, String> it = store.range(key(0, ""), last)) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                keys.add(kv.key);
                due.add(new Entry(Long.parseLong(kv.key.substring(0, 16), 16), kv.value));
            }
        }
        keys.forEach(store::delete);
        return due;
    }

    /** Removes every entry (before rebuilding an index that is not changelogged from the state it indexes). */
    public void clear() {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        keys.forEach(store::delete);
    }

    private static String key(long time, String tag) {
        return hex16(time) + "|" + tag;
    }

    /** {@code time} (negative as 0) as 16 lower-case hex digits, so keys sort by time; no format parsing per call. */
    static String hex16(long time) {
        String hex = Long.toHexString(Math.max(0, time));
        return "0".repeat(16 - hex.length()) + hex;
    }
}
