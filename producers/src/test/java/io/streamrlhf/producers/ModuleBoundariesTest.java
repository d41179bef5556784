package io.streamrlhf.producers;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import io.streamrlhf.schemas.architecture.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Producers reach streams and app only through topics, use the trainer only for its model (to sample) and the few
 * packages around it, and Kafka only through its public API.
 */
class ModuleBoundariesTest {

    /**
     * What producers may use of the trainer: the model and its sampling settings, the tokenizer and model config,
     * checkpoints (to follow policy versions), and for the synthetic demo tasks the collator's sample record and the
     * prompt/completion corpus format. Not the losses, the training loop, the optimizer or publishing.
     */
    static final String[] TRAINER_PACKAGES_FOR_SAMPLING = {
        "io.streamrlhf.trainer.model..", "io.streamrlhf.trainer.tokenizer..", "io.streamrlhf.trainer.config..",
        "io.streamrlhf.trainer.checkpoint..", "io.streamrlhf.trainer.batch..", "io.streamrlhf.trainer.sft..",
        "io.streamrlhf.trainer.generate.."
    };

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = ModuleRules.mainClasses();
    }

    @Test
    void usesNeitherStreamsNorAppNorTheEmbeddedStack() {
        ModuleRules.noUseOf(
                        "producers talk to streams and app only through topics; the embedded stack is for tests",
                        "io.streamrlhf.localstack..",
                        "io.streamrlhf.streams..",
                        "io.streamrlhf.app..",
                        "io.streamrlhf.bench..")
                .check(main);
    }

    @Test
    void usesOnlyTheTrainersModelPackages() {
        noClasses()
                .should()
                .dependOnClassesThat(resideInAPackage("io.streamrlhf.trainer..")
                        .and(DescribedPredicate.not(resideInAnyPackage(TRAINER_PACKAGES_FOR_SAMPLING))))
                .because("the sampler reuses the trainer's model to generate text, nothing of its training")
                .check(main);
    }

    @Test
    void usesOnlyKafkasPublicApi() {
        ModuleRules.noKafkaInternals().check(main);
    }
}
