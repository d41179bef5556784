package io.streamrlhf.streams.deadletter;

import java.util.Optional;

/**
 * Checks one decoded record at the edge of the topology.
 *
 * @param <V> record type
 */
@FunctionalInterface
public interface Validator<V> {

    /** The first rule {@code value} (read under {@code key}) breaks, or empty when it is valid. */
    Optional<Violation> check(String key, V value);
}
