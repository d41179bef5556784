package io.streamrlhf.app;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.streamrlhf.schemas.architecture.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The command line wires every module, but no benchmark, and reaches Kafka only through its public API. */
class ModuleBoundariesTest {

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = ModuleRules.mainClasses();
    }

    @Test
    void usesNoBenchmark() {
        ModuleRules.noUseOf("benchmarks and experiments do not ship", "io.streamrlhf.bench..")
                .check(main);
    }

    /** The embedded broker's use of broker classes stays inside localstack, behind its own API. */
    @Test
    void usesOnlyKafkasPublicApi() {
        ModuleRules.noKafkaInternals().check(main);
    }
}
