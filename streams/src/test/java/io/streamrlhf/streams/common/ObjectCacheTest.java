package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ObjectCacheTest {

    /** A mutable value, to see that the cache hands out the object it holds. */
    static final class Box {
        String text;

        Box(String text) {
            this.text = text;
        }
    }

    private final AtomicInteger decoded = new AtomicInteger();
    private KeyValueStore<String, Box> below;
    private ObjectCache<String, Box> cache;

    @BeforeEach
    void open() {
        below = Stores.keyValueStoreBuilder(
                        Stores.inMemoryKeyValueStore("s"),
                        Serdes.String(),
                        Serdes.serdeFrom((t, b) -> b.text.getBytes(), (t, bytes) -> {
                            decoded.incrementAndGet();
                            return new Box(new String(bytes));
                        }))
                .withLoggingDisabled()
                .withCachingDisabled()
                .build();
        below.init(new MockProcessorContext<>().getStateStoreContext(), below);
        cache = new ObjectCache<>(below, 3);
    }

    @Test
    void writesEveryChangeThroughToTheStoreAtOnce() {
        cache.put("a", new Box("1"));
        cache.put("a", new Box("2"));
        cache.put("b", new Box("x"));

        assertThat(below.get("a").text).isEqualTo("2");
        assertThat(below.get("b").text).isEqualTo("x");
        cache.delete("a");
        assertThat(below.get("a")).isNull();
        assertThat(cache.get("a")).isNull();
    }

    @Test
    void servesARepeatedReadWithoutDecodingAndHandsOutTheObjectItHolds() {
        below.put("k", new Box("stored"));
        decoded.set(0);

        Box first = cache.get("k");
        Box second = cache.get("k");

        assertThat(second).isSameAs(first);
        assertThat(decoded).as("decoded once, on the miss").hasValue(1);
        Box written = new Box("new");
        cache.put("k", written);
        assertThat(cache.get("k")).isSameAs(written);
        assertThat(decoded).hasValue(1);
    }

    @Test
    void remembersAnAbsence() {
        assertThat(cache.get("missing")).isNull();
        below.put("missing", new Box("written behind its back"));
        assertThat(cache.get("missing"))
                .as("a known absence is held like a value")
                .isNull();
    }

    @Test
    void dropsTheLeastRecentlyUsedBeyondItsSizeAndReadsItAgainFromTheStore() {
        cache.put("a", new Box("1"));
        cache.put("b", new Box("2"));
        cache.put("c", new Box("3"));
        cache.get("a"); // b is now the least recently used
        cache.put("d", new Box("4"));
        decoded.set(0);

        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.get("a").text).isEqualTo("1");
        assertThat(decoded).as("a is still held").hasValue(0);
        assertThat(cache.get("b").text).isEqualTo("2");
        assertThat(decoded).as("b was dropped and read again").hasValue(1);
    }

    @Test
    void iteratesTheStoreWithEveryWrite() {
        cache.put("a", new Box("1"));
        cache.put("b", new Box("2"));
        cache.put("c", new Box("3"));
        cache.delete("b");
        List<String> seen = new ArrayList<>();
        try (KeyValueIterator<String, Box> it = cache.all()) {
            it.forEachRemaining(kv -> seen.add(kv.key + "=" + kv.value.text));
        }
        assertThat(seen).containsExactly("a=1", "c=3");
    }

    @Test
    void rejectsAnEmptyCache() {
        assertThatThrownBy(() -> new ObjectCache<>(below, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    @Test
    void boundedByWeightDropsTheLeastRecentlyUsedUntilTheRestFit() {
        // Weight = text length, bound 10: "aaaa"(4) + "bbbb"(4) fit; "cccccc"(6) pushes "aaaa" out.
        ObjectCache<String, Box> weighed = new ObjectCache<>(below, b -> b == null ? 1 : b.text.length(), 10);
        weighed.put("a", new Box("aaaa"));
        weighed.put("b", new Box("bbbb"));
        assertThat(weighed.weight()).isEqualTo(8);

        weighed.put("c", new Box("cccccc"));

        assertThat(weighed.size()).isEqualTo(2);
        assertThat(weighed.weight()).isEqualTo(10);
        decoded.set(0);
        assertThat(weighed.get("b").text).isEqualTo("bbbb");
        assertThat(decoded.get()).isZero();
        assertThat(weighed.get("a").text).isEqualTo("aaaa");
        assertThat(decoded.get()).isEqualTo(1);
    }

    @Test
    void replacingAValueReweighsItAndTheNewestStaysEvenWhenAloneOverTheBound() {
        ObjectCache<String, Box> weighed = new ObjectCache<>(below, b -> b == null ? 1 : b.text.length(), 10);
        weighed.put("a", new Box("aaaa"));
        weighed.put("a", new Box("aa"));
        assertThat(weighed.weight()).isEqualTo(2);

        weighed.put("big", new Box("x".repeat(25)));

        assertThat(weighed.size()).isEqualTo(1);
        assertThat(weighed.weight()).isEqualTo(25);
        assertThat(below.get("a").text).isEqualTo("aa");
    }

    @Test
    void aKnownAbsenceWeighsWhatTheWeigherSaysForNull() {
        ObjectCache<String, Box> weighed = new ObjectCache<>(below, b -> b == null ? 3 : b.text.length(), 10);
        assertThat(weighed.get("missing")).isNull();
        assertThat(weighed.weight()).isEqualTo(3);
        weighed.delete("missing");
        assertThat(weighed.weight()).isEqualTo(3);
    }
}
