package io.streamrlhf.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.config.ConfigException;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrainerConfigFactoryTest {

    private static TrainerConfig read(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("bootstrap.servers", "b:9092");
        return TrainerConfigFactory.fromProperties(all);
    }

    @Test
    void onlyTheClusterAddressGivesDefaultsThatWorkOnTheEmbeddedStack() {
        // when
        TrainerConfig config = read(Map.of());
        // then
        assertThat(config.modelId()).isEqualTo("policy");
        assertThat(config.bootstrapServers()).isEqualTo("b:9092");
        assertThat(config.groupId()).isEqualTo("streamrlhf-trainer-policy");
        assertThat(config.transactionalId()).isEqualTo("streamrlhf-trainer-policy");
        assertThat(config.checkpointDir()).isEqualTo(Path.of("data/checkpoints"));
        assertThat(config.model())
                .isEqualTo(new ModelConfig(2, 128, 4, 128, 4, ModelConfig.Positions.LEARNED, true, 42L));
        assertThat(config.optimizer()).isEqualTo(new OptimizerConfig(1e-4, 0.9, 0.999, 1e-8, 0.01, 1.0, 10));
        assertThat(config.kto().enabled()).isTrue();
        assertThat(config.kto().loss().type()).isEqualTo(LossType.KTO);
        assertThat(config.kto().loss().beta()).isEqualTo(0.1);
        assertThat(config.kto().weight()).isEqualTo(1.0);
        assertThat(config.kto().batchSize()).isEqualTo(8);
        assertThat(config.dpo().loss().type()).isEqualTo(LossType.DPO_SIGMOID);
        assertThat(config.dpo().loss().simpoGamma()).isEqualTo(0.5);
        assertThat(config.staleness()).isEqualTo(new StalenessConfig(4, StalenessConfig.Action.DOWN_WEIGHT, 0.5));
        assertThat(config.topics().ktoExamples()).isEqualTo("rlhf.examples.kto");
        assertThat(config.publishEverySteps()).isEqualTo(10);
        assertThat(config.publishEvery()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.pollTimeout()).isEqualTo(Duration.ofMillis(200));
        assertThat(config.maxPollRecords()).isEqualTo(256);
        assertThat(config.referenceCacheEntries()).isEqualTo(200_000);
        assertThat(config.warmStartCorpus()).isEmpty();
        assertThat(config.warmStartSteps()).isEqualTo(300);
        assertThat(config.warmStartLearningRate()).isEqualTo(1e-3);
        assertThat(config.devices()).isEqualTo("auto");
        assertThat(config.kafkaOverrides()).isEmpty();
        assertThat(config.hfModel()).isEmpty();
    }

    @Test
    void aModelDirectoryIsTrainedThroughLoraOnAllSevenProjectionsByDefault() {
        // when
        TrainerConfig config = read(Map.of("trainer.model.dir", "/models/qwen"));
        // then
        HfTrainingConfig hf = config.hfModel().orElseThrow();
        assertThat(hf.modelDir()).isEqualTo(Path.of("/models/qwen"));
        assertThat(hf.lora()).contains(new LoraConfig(16, 32.0, 0.05, LoraConfig.allTargets(), false));
    }

    @Test
    void readsLoraSettingsAndFullFineTuning() {
        // when
        TrainerConfig lora = read(Map.of(
                "trainer.model.dir", "m",
                "trainer.lora.rank", "4",
                "trainer.lora.alpha", "8.5",
                "trainer.lora.dropout", "0",
                "trainer.lora.target.modules", "q_proj, v_proj"));
        TrainerConfig full = read(Map.of("trainer.model.dir", "m", "trainer.lora.enabled", "false"));
        // then
        assertThat(lora.hfModel().orElseThrow().lora())
                .contains(new LoraConfig(
                        4, 8.5, 0.0, EnumSet.of(LoraConfig.Target.Q_PROJ, LoraConfig.Target.V_PROJ), false));
        assertThat(full.hfModel().orElseThrow().lora()).isEmpty();
    }

    @Test
    void refusesAnUnknownTargetModuleAndAWarmStartCorpusForAModelDirectory() {
        assertThatThrownBy(() -> read(Map.of("trainer.model.dir", "m", "trainer.lora.target.modules", "q_proj,qkv")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("trainer.lora.target.modules");
        assertThatThrownBy(() -> read(Map.of("trainer.model.dir", "m", "trainer.lora.rank", "0")))
                .isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> read(Map.of("trainer.model.dir", "m", "trainer.warmstart.corpus", "c.tsv")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trainer.warmstart.corpus");
    }

    @Test
    void readsOverridesForLossModelAndStaleness() {
        // when
        TrainerConfig config = read(Map.of(
                "trainer.dpo.loss",
                "SIMPO",
                "trainer.dpo.simpo.gamma",
                "1.5",
                "trainer.model.layers",
                "6",
                "trainer.model.width",
                "256",
                "trainer.model.tied",
                "false",
                "trainer.staleness.action",
                "DROP",
                "trainer.kto.undesirable.weight",
                "1.33",
                "trainer.model.id",
                "chat",
                "trainer.warmstart.corpus",
                "/corpus.txt"));
        // then
        assertThat(config.dpo().loss().type()).isEqualTo(LossType.SIMPO);
        assertThat(config.dpo().loss().simpoGamma()).isEqualTo(1.5);
        assertThat(config.model().layers()).isEqualTo(6);
        assertThat(config.model().width()).isEqualTo(256);
        assertThat(config.model().tiedHead()).isFalse();
        assertThat(config.staleness().action()).isEqualTo(StalenessConfig.Action.DROP);
        assertThat(config.kto().loss().undesirableWeight()).isEqualTo(1.33);
        assertThat(config.groupId()).isEqualTo("streamrlhf-trainer-chat");
        assertThat(config.warmStartCorpus()).isEqualTo(Optional.of(Path.of("/corpus.txt")));
    }

    @Test
    void readsEveryDurationSyntaxForPublishEvery() {
        assertThat(read(Map.of("trainer.publish.every", "30s")).publishEvery()).isEqualTo(Duration.ofSeconds(30));
        assertThat(read(Map.of("trainer.publish.every", "5m")).publishEvery()).isEqualTo(Duration.ofMinutes(5));
        assertThat(read(Map.of("trainer.publish.every", "PT45S")).publishEvery())
                .isEqualTo(Duration.ofSeconds(45));
        assertThat(read(Map.of("trainer.poll.timeout", "250ms")).pollTimeout()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void refusesMisspelledBooleansAndMalformedNumbersNamingKeyAndValue() {
        assertThatThrownBy(() -> read(Map.of("trainer.model.tied", "ture")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting trainer.model.tied='ture' is not valid: expected true or false");
        assertThatThrownBy(() -> read(Map.of("trainer.optimizer.max.grad.norm", "one")))
                .hasMessageStartingWith(
                        "Setting trainer.optimizer.max.grad.norm='one' is not valid: expected a finite");
        assertThatThrownBy(() -> read(Map.of("trainer.staleness.action", "IGNORE")))
                .hasMessageStartingWith("Setting trainer.staleness.action='IGNORE' is not valid: expected one of DROP");
    }

    @Test
    void trainerKafkaOverridesWinOverSharedOnes() {
        TrainerConfig config = read(Map.of(
                "kafka.security.protocol",
                "SASL_SSL",
                "kafka.sasl.jaas.config",
                "shared",
                "trainer.kafka.sasl.jaas.config",
                "trainer-only",
                "sampler.kafka.sasl.jaas.config",
                "sampler-only"));

        assertThat(config.kafkaOverrides())
                .isEqualTo(Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "trainer-only"));
    }

    @Test
    void missingClusterAddressIsAConfigError() {
        assertThatThrownBy(() -> TrainerConfigFactory.fromProperties(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting bootstrap.servers is missing");
    }

    @Test
    void aBranchModelIdNamesItsBaseAndGetsItsOwnGroupAndTransactionalId() {
        TrainerConfig config = read(Map.of("trainer.model.id", TrainerConfig.branchModelId("policy", "judge-v2")));
        assertThat(config.modelId()).isEqualTo("policy@judge-v2");
        assertThat(config.groupId()).isEqualTo("streamrlhf-trainer-policy@judge-v2");
        assertThat(config.transactionalId()).isEqualTo("streamrlhf-trainer-policy@judge-v2");
        assertThatThrownBy(() -> read(Map.of("trainer.model.id", "policy@a@b")))
                .hasMessageContaining("<modelId>@<branch>");
        assertThatThrownBy(() -> read(Map.of("trainer.model.id", "policy@a.b")))
                .hasMessageContaining("<modelId>@<branch>");
    }

    @Test
    void rejectsAWidthNotDivisibleByTheHeadsNamingBoth() {
        assertThatThrownBy(() -> read(Map.of("trainer.model.width", "130", "trainer.model.heads", "4")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("130")
                .hasMessageContaining("4");
    }

    @Test
    void rejectsKtoAsThePairSourceLoss() {
        assertThatThrownBy(() -> read(Map.of("trainer.dpo.loss", "KTO")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("paired");
    }

    @Test
    void retryBackoffDefaultsToATenthOfASecondUpToTenSecondsAndCanBeSet() {
        TrainerConfig defaults = read(Map.of());
        assertThat(defaults.retryBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(defaults.retryBackoffMax()).isEqualTo(Duration.ofSeconds(10));
        TrainerConfig set = read(Map.of("trainer.retry.backoff", "PT1S", "trainer.retry.backoff.max", "PT1M"));
        assertThat(set.retryBackoff()).isEqualTo(Duration.ofSeconds(1));
        assertThat(set.retryBackoffMax()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void rejectsARetryBackoffAboveItsMaximumNamingBothKeys() {
        assertThatThrownBy(() -> read(Map.of("trainer.retry.backoff", "PT20S", "trainer.retry.backoff.max", "PT10S")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trainer.retry.backoff")
                .hasMessageContaining("trainer.retry.backoff.max");
    }
}
