package io.streamrlhf.app.security;

import io.streamrlhf.config.Setting;
import java.util.List;

/** Keys of the Kafka principals and ACLs ({@code streamrlhf acls}, {@code --secure}). */
public final class SecurityKeys {

    public static final Setting<String> PRINCIPAL_PREFIX = Setting.string(
                    "acls.principal.prefix",
                    "streamrlhf-",
                    "prefix of each component's Kafka user name: <prefix><component> (streamrlhf-trainer, ...); "
                            + "'streamrlhf acls' grants to User:<prefix><component>")
            .requiring(p -> p.matches("[a-zA-Z0-9._-]{0,48}"), "up to 48 characters from [a-zA-Z0-9._-]");

    /** Every key above. */
    public static final List<Setting<?>> ALL = List.of(PRINCIPAL_PREFIX);

    private SecurityKeys() {}
}
