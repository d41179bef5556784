package io.streamrlhf.streams.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.lang.ArchRule;

/**
 * The rule that product code uses Kafka through its public API only: no class of {@code io.streamrlhf} may depend on
 * a class in an {@code internals} package of Kafka (which covers {@code org.apache.kafka.streams.processor.internals}
 * and {@code org.apache.kafka.streams.state.internals}) or on the broker's server classes. Kafka changes internals in
 * any release, so code on them breaks on an upgrade or, worse, keeps compiling and changes meaning. Only the local
 * stack's embedded broker may use server classes; a module that has it checks its other classes with
 * {@link #ignoring}.
 */
public final class PublicKafkaApi {

    /** Package patterns of Kafka that product code must not use. */
    public static final String[] FORBIDDEN = {
        "org.apache.kafka..internals..",
        "kafka.server..",
        "org.apache.kafka.server..",
    };

    private PublicKafkaApi() {
    }

    /** No class of {@code io.streamrlhf} depends on a forbidden Kafka package. */
    public static ArchRule rule() {
        return noClasses().that().resideInAPackage("io.streamrlhf..")
                .should().dependOnClassesThat().resideInAnyPackage(FORBIDDEN)
                .because("product code must run on Kafka's public API only (internals change in any release)");
    }

    /** {@link #rule()} for every class but those in {@code allowedPackages} (the embedded broker's). */
    public static ArchRule ignoring(String... allowedPackages) {
        return noClasses().that().resideInAPackage("io.streamrlhf..")
                .and().resideOutsideOfPackages(allowedPackages)
                .should().dependOnClassesThat().resideInAnyPackage(FORBIDDEN)
                .because("product code must run on Kafka's public API only (internals change in any release)");
    }
}
