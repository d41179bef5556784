package io.streamrlhf.app.security;

import io.streamrlhf.localstack.registry.RegistryRole;
import java.util.Locale;
import java.util.Optional;

/**
 * The Kafka principals of StreamRLHF, one per component, so that each gets only the ACLs it needs and a leaked
 * credential opens no other component's topics. {@link #ADMIN} is the operator's: it creates topics and ACLs
 * and, on the local stack, is the broker's only super user (the embedded schema registry's log uses it too).
 */
public enum ComponentPrincipal {
    STREAMS,
    TRAINER,
    SAMPLER,
    GATEWAY,
    USERS,
    PROMPTS,
    DASHBOARD,
    ERASURES,
    /**
     * The standalone schema registry ({@code streamrlhf registry}): its own log topic only. The local stack's
     * embedded registry runs in the stack's process as {@link #ADMIN} instead, so {@code --secure} makes no
     * credential for it.
     */
    REGISTRY,
    ADMIN;

    /** The component's name as in {@code <component>.kafka.*}: {@code trainer}, {@code gateway}, ... */
    public String component() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The component's role on the schema registry: {@code writer} for those that write records (their serializers
     * register the schema on first use), {@code reader} for the dashboard, which only reads; the admin's is the
     * registry's admin user, not one made for it; the registry itself has none.
     */
    public Optional<RegistryRole> registryRole() {
        return switch (this) {
            case DASHBOARD -> Optional.of(RegistryRole.READER);
            case ADMIN, REGISTRY -> Optional.empty();
            default -> Optional.of(RegistryRole.WRITER);
        };
    }

    /** The Kafka user name: {@code prefix} then the component's name. */
    public String userName(String prefix) {
        return prefix + component();
    }
}
