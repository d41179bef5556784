package io.streamrlhf.streams.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.EvaluationResult;
import io.streamrlhf.schemas.architecture.ModuleRules;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.junit.jupiter.api.Test;

/**
 * The rule every module's {@code ModuleBoundariesTest} applies ({@link ModuleRules#noKafkaInternals}) really catches
 * a class that reaches into Kafka Streams' internals, the way the KTO join's old store and router once did.
 */
class PublicKafkaApiTest {

    /** A class that reaches into Kafka Streams' internals, as the rule must catch. */
    static final class UsesInternals {
        boolean internal(ProcessorContext<?, ?> context) {
            return context instanceof InternalProcessorContext<?, ?>;
        }
    }

    @Test
    void ruleFailsOnAClassThatUsesKafkaStreamsInternals() {
        JavaClasses offender = new ClassFileImporter().importClasses(UsesInternals.class);

        EvaluationResult result = ModuleRules.noKafkaInternals().evaluate(offender);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().getDetails())
                .anySatisfy(line -> assertThat(line).contains(InternalProcessorContext.class.getName()));
    }

    @Test
    void ruleAllowsAnAllowListedClassOnly() {
        JavaClasses offender = new ClassFileImporter().importClasses(UsesInternals.class);

        assertThat(ModuleRules.noKafkaInternals(UsesInternals.class.getName())
                        .allowEmptyShould(true)
                        .evaluate(offender)
                        .hasViolation())
                .isFalse();
    }
}
