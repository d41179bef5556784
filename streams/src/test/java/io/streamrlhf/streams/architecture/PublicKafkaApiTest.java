package io.streamrlhf.streams.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.EvaluationResult;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.junit.jupiter.api.Test;

/** The streams module's production classes use Kafka's public API only ({@link PublicKafkaApi}). */
class PublicKafkaApiTest {

    /** A class that reaches into Kafka Streams' internals, as the rule must catch. */
    static final class UsesInternals {
        boolean internal(ProcessorContext<?, ?> context) {
            return context instanceof InternalProcessorContext<?, ?>;
        }
    }

    @Test
    void streamsProductionCodeUsesOnlyPublicKafkaApis() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.streamrlhf.streams");
        assertThat(production.size()).as("the production classes were found").isGreaterThan(20);

        PublicKafkaApi.rule().check(production);
    }

    @Test
    void ruleFailsOnAClassThatUsesKafkaStreamsInternals() {
        JavaClasses offender = new ClassFileImporter().importClasses(UsesInternals.class);

        EvaluationResult result = PublicKafkaApi.rule().evaluate(offender);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains(InternalProcessorContext.class.getName()));
    }

    @Test
    void ruleFailsOnAClassThatUsesBrokerServerClasses() {
        JavaClasses schemas = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.streamrlhf.schemas");

        assertThat(PublicKafkaApi.rule().evaluate(schemas).hasViolation())
                .as("the embedded broker uses server classes, as it must").isTrue();
        assertThat(PublicKafkaApi.ignoring("io.streamrlhf.schemas.embedded..").evaluate(schemas).hasViolation())
                .as("and nothing else in the schemas module does").isFalse();
    }
}
