package io.streamrlhf.streams.common;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.streams.avro.MonitorEvent;
import org.apache.kafka.streams.kstream.ForeachAction;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;

/**
 * The data, monitor and dead-letter streams of a processor that forwards {@link Emission}s, each through a node
 * named after the processor: {@code name} plus {@link #DATA}, {@link #MONITOR} or {@link #DEAD}. A kind's node is
 * added when its stream is first asked for, and a kind whose stream nobody asked for is not forwarded at all (a
 * topology built without the monitor makes no monitor forwards).
 *
 * @param <T> the data type
 */
public final class Emissions<T> {

    /** Suffix of the node that receives a processor's data records. */
    public static final String DATA = "-data";
    /** Suffix of the node that receives a processor's monitor events. */
    public static final String MONITOR = "-monitor";
    /** Suffix of the node that receives a processor's dead letters. */
    public static final String DEAD = "-dead";

    private static final ForeachAction<Object, Object> NOTHING = (k, v) -> {};

    private final KStream<Object, Object> routed;
    private final String name;
    private final EmissionRouter.Routes routes;
    private KStream<String, T> data;
    private KStream<String, MonitorEvent> monitor;
    private KStream<byte[], DeadLetter> dead;

    private Emissions(KStream<Object, Object> routed, String name, EmissionRouter.Routes routes) {
        this.routed = routed;
        this.name = name;
        this.routes = routes;
    }

    /**
     * Runs {@code processor} on {@code input} as the node {@code name}, connected to {@code stores}, and returns what
     * it emits by kind ({@link EmissionRouter}).
     */
    public static <K, V, T> Emissions<T> process(
            KStream<K, V> input,
            ProcessorSupplier<K, V, String, Emission<T>> processor,
            String name,
            String... stores) {
        EmissionRouter.Routes routes = new EmissionRouter.Routes(name + DATA, name + MONITOR, name + DEAD);
        KStream<Object, Object> routed =
                input.process(() -> new EmissionRouter<>(processor.get(), routes), Named.as(name), stores);
        return new Emissions<>(routed, name, routes);
    }

    /** The data records. */
    public KStream<String, T> data() {
        if (data == null) {
            data = passThrough(DATA);
            routes.data = true;
        }
        return data;
    }

    /** The monitor events, keyed like the input (the monitor re-keys them by version). */
    public KStream<String, MonitorEvent> monitor() {
        if (monitor == null) {
            monitor = passThrough(MONITOR);
            routes.monitor = true;
        }
        return monitor;
    }

    /** The dead letters, keyed by the original key bytes. */
    public KStream<byte[], DeadLetter> dead() {
        if (dead == null) {
            dead = passThrough(DEAD);
            routes.dead = true;
        }
        return dead;
    }

    /**
     * A named node that forwards what the router sends it by name: {@code peek} forwards the very record it gets, the
     * cheapest typed node Kafka Streams offers.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private <K1, V1> KStream<K1, V1> passThrough(String suffix) {
        return (KStream) routed.peek(NOTHING, Named.as(name + suffix));
    }
}
