package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The object cache bounded by what its values weigh rather than by how many there are. */
class WeightedWriteBehindStoreTest {

    private KeyValueStore<String, String> below;
    private WriteBehindKeyValueStore<String, String> store;

    @BeforeEach
    void open() {
        below = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.String())
                .withLoggingDisabled().withCachingDisabled().build();
        // A value weighs its length; an absence weighs 1.
        store = new WriteBehindKeyValueStore<>(below, v -> v == null ? 1 : v.length(), 100);
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void evictsTheLeastRecentlyUsedOnceTheValuesWeighMoreThanTheBoundWritingChangedOnesBelow() {
        store.put("a", "x".repeat(40));
        store.put("b", "y".repeat(40));
        assertThat(store.cachedWeight()).isEqualTo(80);
        store.get("a"); // b is now the least recently used
        store.put("c", "z".repeat(40));

        assertThat(store.cachedEntries()).isEqualTo(2);
        assertThat(store.cachedWeight()).isEqualTo(80);
        assertThat(below.get("b")).isEqualTo("y".repeat(40));
        assertThat(below.get("a")).isNull();
        assertThat(store.get("b")).isEqualTo("y".repeat(40));
    }

    @Test
    void aValueThatGrowsOnPutIsReweighedAndPushesOthersOut() {
        store.put("a", "x".repeat(10));
        store.put("b", "y".repeat(10));
        store.put("c", "z".repeat(10));
        store.put("c", "z".repeat(95));

        assertThat(store.cachedEntries()).isEqualTo(1);
        assertThat(store.cachedWeight()).isEqualTo(95);
        assertThat(below.get("a")).isEqualTo("x".repeat(10));
        assertThat(below.get("b")).isEqualTo("y".repeat(10));
    }

    @Test
    void keepsTheMostRecentValueEvenWhenItAloneWeighsMoreThanTheBound() {
        store.put("a", "x".repeat(10));
        store.put("big", "b".repeat(500));

        assertThat(store.cachedEntries()).isEqualTo(1);
        assertThat(store.get("big")).hasSize(500);
        assertThat(below.get("a")).isEqualTo("x".repeat(10));
    }

    @Test
    void manyRememberedAbsencesAreBoundedToo() {
        for (int i = 0; i < 1_000; i++) {
            store.get("missing-" + i);
        }
        assertThat(store.cachedEntries()).isEqualTo(100);
        assertThat(store.cachedWeight()).isEqualTo(100);
    }

    @Test
    void clearingTheCacheForgetsItsWeight() {
        store.put("a", "x".repeat(50));
        store.clearCache();
        assertThat(store.cachedWeight()).isZero();
        assertThat(store.cachedEntries()).isZero();
    }
}
