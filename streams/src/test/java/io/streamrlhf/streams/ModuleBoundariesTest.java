package io.streamrlhf.streams;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.streamrlhf.schemas.architecture.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The topologies reach other modules only through topics, and Kafka only through its public API. */
class ModuleBoundariesTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = ModuleRules.mainClasses();
    }

    @Test
    void usesNoOtherModuleThanSchemas() {
        ModuleRules.noUseOf(
                        "streams talk to the trainer, producers and app only through topics",
                        "io.streamrlhf.localstack..",
                        "io.streamrlhf.trainer..",
                        "io.streamrlhf.producers..",
                        "io.streamrlhf.app..",
                        "io.streamrlhf.bench..")
                .check(main);
    }

    /** Exactly-once correctness must not rest on classes Kafka may change in any release. */
    @Test
    void usesOnlyKafkasPublicApi() {
        ModuleRules.noKafkaInternals().check(main);
    }
}
