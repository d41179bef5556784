package io.streamrlhf.localstack.stack;

import io.streamrlhf.config.Setting;
import java.util.List;

/** The keys of the embedded local stack ({@code streamrlhf up} and {@code demo}), and the shared data folder. */
public final class StackKeys {

    public static final Setting<String> DATA_DIR = Setting.string(
            "data.dir", ".streamrlhf", "where the embedded broker's log, Kafka Streams state and checkpoints live");
    public static final Setting<Integer> BROKER_PORT = Setting.integer(
                    "broker.port", 0, "the embedded broker's port on loopback, 0 for a free one")
            .requiring(p -> p >= 0 && p <= 65_535, "0 (any free port) or 1-65535");
    public static final Setting<Integer> REGISTRY_PORT = Setting.integer(
                    "registry.port", 0, "the embedded schema registry's port, 0 for a free one")
            .requiring(p -> p >= 0 && p <= 65_535, "0 (any free port) or 1-65535");
    public static final Setting<String> REGISTRY_BIND =
            Setting.string("registry.bind", "127.0.0.1", "address the embedded schema registry listens on");

    public static final Setting<String> REGISTRY_AUTH_USERS = Setting.string(
                    "registry.auth.users",
                    null,
                    "users of the embedded schema registry's HTTP basic authentication, name:role:password[,...] with "
                            + "role reader (GET and look-ups), writer (also registers schemas) or admin (also changes "
                            + "compatibility and deletes); none: an open registry, except with --secure, which adds "
                            + "its own admin, writer and reader")
            .secret();

    /** Every key above. */
    public static final List<Setting<?>> ALL =
            List.of(DATA_DIR, BROKER_PORT, REGISTRY_PORT, REGISTRY_BIND, REGISTRY_AUTH_USERS);

    private StackKeys() {}
}
