package io.streamrlhf.streams.common;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What a processor emits: a data record for the next step, a monitor event, or a dead letter. Processors forward
 * emissions and {@link Emissions#process} sends each to the node for its kind, so no processor needs to know the
 * names of its children. Stays inside the process.
 *
 * @param <T> the data type
 */
public sealed interface Emission<T> {

    /** A data record. */
    record Data<T>(T value) implements Emission<T> {}

    /** A monitor event. */
    record Monitor<T>(MonitorEvent event) implements Emission<T> {}

    /** A dead letter keyed by the original key bytes. */
    record Dead<T>(byte[] key, DeadLetter letter) implements Emission<T> {}

    /**
     * What a context that routes emissions by kind tells its processor: whether the topology takes its monitor
     * events at all, so that a processor can skip making events nobody reads.
     */
    interface Routing {
        /** Whether monitor events forwarded through this context go anywhere. */
        boolean monitored();

        /** False only when {@code context} routes emissions and drops monitor events. */
        static boolean monitored(ProcessorContext<?, ?> context) {
            return !(context instanceof Routing r) || r.monitored();
        }
    }

    static <T> Emission<T> data(T value) {
        return new Data<>(value);
    }

    static <T> Emission<T> monitor(MonitorEvent event) {
        return new Monitor<>(event);
    }

    static <T> Emission<T> dead(byte[] key, DeadLetter letter) {
        return new Dead<>(key, letter);
    }

    /**
     * Forwards a dead letter and the monitor event that counts it against {@code policyVersion} (-1 when unknown):
     * the two records every rejected input emits, under one key and timestamp.
     */
    static <T> void forwardDead(
            ProcessorContext<String, Emission<T>> context,
            String key,
            byte[] rawKey,
            DeadLetter letter,
            long policyVersion,
            long timestamp) {
        context.forward(new Record<>(key, dead(rawKey, letter), timestamp));
        context.forward(
                new Record<>(key, monitor(new MonitorEvent(policyVersion, MonitorKind.DEAD_LETTER, 0.0)), timestamp));
    }
}
