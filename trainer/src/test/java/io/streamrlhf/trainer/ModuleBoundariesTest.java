package io.streamrlhf.trainer;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.streamrlhf.schemas.architecture.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The trainer reaches other modules only through topics, and Kafka only through its public API. */
class ModuleBoundariesTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = ModuleRules.mainClasses();
    }

    @Test
    void usesNoOtherModuleThanSchemas() {
        ModuleRules.noUseOf(
                        "the trainer talks to streams, producers and app only through topics",
                        "io.streamrlhf.localstack..",
                        "io.streamrlhf.streams..",
                        "io.streamrlhf.producers..",
                        "io.streamrlhf.app..",
                        "io.streamrlhf.bench..")
                .check(main);
    }

    @Test
    void usesOnlyKafkasPublicApi() {
        ModuleRules.noKafkaInternals().check(main);
    }
}
