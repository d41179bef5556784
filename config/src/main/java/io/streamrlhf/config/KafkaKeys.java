package io.streamrlhf.config;

import java.util.List;

/**
 * The open Kafka client passthrough: {@code kafka.<client config>} goes to every Kafka client of the process,
 * {@code <component>.kafka.<client config>} only to that component's clients and wins over {@code kafka.*}.
 * Which client configs exist is checked by the caller against the Kafka clients' own definitions (this module
 * does not depend on Kafka).
 */
public final class KafkaKeys {

    /** Prefix of the passthrough. */
    public static final String PREFIX = "kafka.";

    /** Components that take their own {@code <component>.kafka.*} overrides. */
    public static final List<String> COMPONENTS = List.of(
            "streams",
            "trainer",
            "sampler",
            "gateway",
            "users",
            "prompts",
            "dashboard",
            "erasures",
            "topics",
            "admin",
            "registry");

    private KafkaKeys() {}
}
