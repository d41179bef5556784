package io.streamrlhf.streams.common;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.streams.avro.MonitorEvent;

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

    static <T> Emission<T> data(T value) {
        return new Data<>(value);
    }

    static <T> Emission<T> monitor(MonitorEvent event) {
        return new Monitor<>(event);
    }

    static <T> Emission<T> dead(byte[] key, DeadLetter letter) {
        return new Dead<>(key, letter);
    }
}
