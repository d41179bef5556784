package io.streamrlhf.streams.common;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.streams.avro.MonitorEvent;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;

/**
 * Fans a stream of {@link Emission}s out into its data, monitor and dead-letter streams, with named nodes.
 *
 * @param data the data records
 * @param monitor the monitor events (keyed like the input; the monitor re-keys by version)
 * @param dead the dead letters, keyed by the original key bytes
 * @param <T> the data type
 */
public record Emissions<T>(KStream<String, T> data, KStream<String, MonitorEvent> monitor,
                           KStream<byte[], DeadLetter> dead) {

    /** Splits {@code emissions}; every node name starts with {@code prefix}. */
    @SuppressWarnings("unchecked")
    public static <T> Emissions<T> split(KStream<String, Emission<T>> emissions, String prefix) {
        Map<String, KStream<String, Emission<T>>> branches = emissions
                .split(Named.as(prefix + "-split-"))
                .branch((k, v) -> v instanceof Emission.Data, Branched.as("data"))
                .branch((k, v) -> v instanceof Emission.Monitor, Branched.as("monitor"))
                .defaultBranch(Branched.as("dead"));
        KStream<String, T> data = branches.get(prefix + "-split-data")
                .mapValues(v -> ((Emission.Data<T>) v).value(), Named.as(prefix + "-unwrap-data"));
        KStream<String, MonitorEvent> monitor = branches.get(prefix + "-split-monitor")
                .mapValues(v -> ((Emission.Monitor<T>) v).event(), Named.as(prefix + "-unwrap-monitor"));
        KStream<byte[], DeadLetter> dead = branches.get(prefix + "-split-dead")
                .map((k, v) -> {
                    Emission.Dead<T> d = (Emission.Dead<T>) v;
                    return KeyValue.pair(d.key(), d.letter());
                }, Named.as(prefix + "-unwrap-dead"));
        return new Emissions<>(data, monitor, dead);
    }
}
