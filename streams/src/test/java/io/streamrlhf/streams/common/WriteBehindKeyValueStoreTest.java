package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WriteBehindKeyValueStoreTest {

    /** A mutable value, to see that the store hands out the object it holds. */
    static final class Box {
        String text;

        Box(String text) {
            this.text = text;
        }
    }

    private KeyValueStore<String, String> below;
    private WriteBehindKeyValueStore<String, String> store;

    @BeforeEach
    void open() {
        below = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.String())
                .withLoggingDisabled().withCachingDisabled().build();
        store = new WriteBehindKeyValueStore<>(below, 3);
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void writesBelowOnlyWhenKafkaStreamsFlushesCachesAndThenOnceForManyPuts() {
        store.put("a", "1");
        store.put("a", "2");
        store.put("b", "x");
        assertThat(store.get("a")).isEqualTo("2");
        assertThat(below.get("a")).isNull();
        assertThat(store.dirtyEntries()).isEqualTo(2);

        store.flushCache();

        assertThat(below.get("a")).isEqualTo("2");
        assertThat(below.get("b")).isEqualTo("x");
        assertThat(store.dirtyEntries()).isZero();
        assertThat(store.cachedEntries()).isEqualTo(2);
    }

    @Test
    void readsThroughToTheStoreBelowAndRemembersAbsence() {
        below.put("old", "v");
        assertThat(store.get("old")).isEqualTo("v");
        assertThat(store.get("missing")).isNull();
        below.put("missing", "written behind its back");
        assertThat(store.get("missing")).as("a known absence is cached like a value").isNull();
        assertThat(store.dirtyEntries()).isZero();
    }

    @Test
    void deletesReachTheStoreBelowOnFlush() {
        below.put("k", "v");
        assertThat(store.delete("k")).isEqualTo("v");
        assertThat(store.get("k")).isNull();
        assertThat(below.get("k")).isEqualTo("v");
        store.flushCache();
        assertThat(below.get("k")).isNull();
        assertThat(store.putIfAbsent("k", "w")).isNull();
        assertThat(store.putIfAbsent("k", "z")).isEqualTo("w");
    }

    @Test
    void evictsTheLeastRecentlyUsedAndWritesItIfChanged() {
        store.put("a", "1");
        store.put("b", "2");
        store.put("c", "3");
        store.get("a"); // b is now the least recently used
        store.put("d", "4");

        assertThat(store.cachedEntries()).isEqualTo(3);
        assertThat(below.get("b")).as("evicted while dirty: written").isEqualTo("2");
        assertThat(below.get("a")).isNull();
        assertThat(store.get("b")).isEqualTo("2");
    }

    @Test
    void clearingTheCacheDropsUnwrittenChanges() {
        store.put("a", "1");
        store.flushCache();
        store.put("a", "2");
        store.put("b", "3");
        store.clearCache();
        assertThat(store.get("a")).isEqualTo("1");
        assertThat(store.get("b")).isNull();
    }

    @Test
    void rangeReadsSeeEveryChange() {
        store.putAll(List.of(KeyValue.pair("a", "1"), KeyValue.pair("b", "2"), KeyValue.pair("c", "3")));
        store.delete("b");
        List<String> seen = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.range("a", "z")) {
            it.forEachRemaining(kv -> seen.add(kv.key + "=" + kv.value));
        }
        assertThat(seen).containsExactly("a=1", "c=3");
        assertThat(store.approximateNumEntries()).isEqualTo(2);
    }

    @Test
    void handsOutTheObjectItHolds() {
        KeyValueStore<String, Box> boxes = new WriteBehindKeyValueStore<>(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("boxes"), Serdes.String(),
                        Serdes.serdeFrom((t, b) -> b.text.getBytes(), (t, bytes) -> new Box(new String(bytes))))
                        .withLoggingDisabled().withCachingDisabled().build(), 10);
        boxes.init(new MockProcessorContext<>().getStateStoreContext(), boxes);
        Box box = new Box("one");
        boxes.put("k", box);
        assertThat(boxes.get("k")).isSameAs(box);
    }

    @Test
    void rejectsAnEmptyCache() {
        assertThatThrownBy(() -> new WriteBehindKeyValueStore<>(below, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}
