package io.streamrlhf.streams.common;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.streams.avro.MonitorEvent;
import org.apache.kafka.streams.kstream.ForeachAction;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/**
 * The data, monitor and dead-letter streams of a processor that forwards {@link Emission}s, with named nodes.
 *
 * @param data the data records
 * @param monitor the monitor events (keyed like the input; the monitor re-keys by version)
 * @param dead the dead letters, keyed by the original key bytes
 * @param <T> the data type
 */
public record Emissions<T>(KStream<String, T> data, KStream<String, MonitorEvent> monitor,
                           KStream<byte[], DeadLetter> dead) {

    /** Suffix of the node that receives a processor's monitor events. */
    public static final String MONITOR = "-monitor";
    /** Suffix of the node that receives a processor's dead letters. */
    public static final String DEAD = "-dead";

    private static final ForeachAction<Object, Object> NOTHING = (k, v) -> { };

    /**
     * Runs {@code processor} on {@code input} as the node {@code name}, connected to {@code stores}, and returns what
     * it emits by kind. Data records go straight to the nodes that consume the returned data stream; monitor events
     * and dead letters through a pass-through node named {@code name} plus {@link #MONITOR} or {@link #DEAD}
     * ({@link EmissionRouter}).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <K, V, T> Emissions<T> process(KStream<K, V> input,
                                                 ProcessorSupplier<K, V, String, Emission<T>> processor,
                                                 String name, String... stores) {
        KStream<Object, Object> routed = input.process(() -> new EmissionRouter<>(processor.get(), name),
                Named.as(name), stores);
        // peek forwards the very record it gets: the cheapest typed node Kafka Streams offers
        KStream monitor = routed.peek(NOTHING, Named.as(name + MONITOR));
        KStream dead = routed.peek(NOTHING, Named.as(name + DEAD));
        // The data stream is the processor's own: its consumers are the node's children besides those two.
        return new Emissions<T>((KStream) routed, monitor, dead);
    }
}
