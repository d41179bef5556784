package io.streamrlhf.schemas;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.streamrlhf.schemas.architecture.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The contracts stand alone: no other project module, no non-public Kafka API. */
class ModuleBoundariesTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = ModuleRules.mainClasses();
    }

    @Test
    void usesNoOtherProjectModule() {
        ModuleRules.noUseOf(
                        "every module depends on the contracts, so they depend on none",
                        "io.streamrlhf.localstack..",
                        "io.streamrlhf.streams..",
                        "io.streamrlhf.trainer..",
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
