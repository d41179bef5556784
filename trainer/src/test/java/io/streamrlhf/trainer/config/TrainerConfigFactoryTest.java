package io.streamrlhf.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.trainer.loss.LossType;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainerConfigFactoryTest {

  @Test
  void defaultsWorkOnTheEmbeddedStack() {
    // when
    TrainerConfig config = TrainerConfigFactory.fromProperties(Map.of());
    // then
    assertThat(config.modelId()).isEqualTo("policy");
    assertThat(config.model()).isEqualTo(ModelConfig.defaults());
    assertThat(config.kto().loss().type()).isEqualTo(LossType.KTO);
    assertThat(config.dpo().loss().type()).isEqualTo(LossType.DPO_SIGMOID);
    assertThat(config.topics().ktoExamples()).isEqualTo("rlhf.examples.kto");
    assertThat(config.transactionalId()).isEqualTo("streamrlhf-trainer-policy");
    assertThat(config.publishEvery()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.warmStartCorpus()).isEmpty();
  }

  @Test
  void readsOverridesForLossModelAndStaleness() {
    // when
    TrainerConfig config = TrainerConfigFactory.fromProperties(Map.of(
        "trainer.dpo.loss", "SIMPO", "trainer.dpo.simpo.gamma", "1.5",
        "trainer.model.layers", "6", "trainer.model.width", "256",
        "trainer.staleness.action", "DROP", "trainer.kto.undesirable.weight", "1.33"));
    // then
    assertThat(config.dpo().loss().type()).isEqualTo(LossType.SIMPO);
    assertThat(config.dpo().loss().simpoGamma()).isEqualTo(1.5);
    assertThat(config.model().layers()).isEqualTo(6);
    assertThat(config.model().width()).isEqualTo(256);
    assertThat(config.staleness().action()).isEqualTo(StalenessConfig.Action.DROP);
    assertThat(config.kto().loss().undesirableWeight()).isEqualTo(1.33);
  }

  @Test
  void rejectsAWidthNotDivisibleByTheHeadsNamingBoth() {
    assertThatThrownBy(() -> TrainerConfigFactory.fromProperties(
        Map.of("trainer.model.width", "130", "trainer.model.heads", "4")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("130").hasMessageContaining("4");
  }

  @Test
  void rejectsKtoAsThePairSourceLoss() {
    assertThatThrownBy(() -> TrainerConfigFactory.fromProperties(Map.of("trainer.dpo.loss", "KTO")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("paired");
  }

  @Test
  void retryBackoffDefaultsToATenthOfASecondUpToTenSecondsAndCanBeSet() {
    TrainerConfig defaults = TrainerConfigFactory.fromProperties(Map.of());
    assertThat(defaults.retryBackoff()).isEqualTo(Duration.ofMillis(100));
    assertThat(defaults.retryBackoffMax()).isEqualTo(Duration.ofSeconds(10));
    TrainerConfig set = TrainerConfigFactory.fromProperties(Map.of(
        "trainer.retry.backoff", "PT1S", "trainer.retry.backoff.max", "PT1M"));
    assertThat(set.retryBackoff()).isEqualTo(Duration.ofSeconds(1));
    assertThat(set.retryBackoffMax()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void rejectsARetryBackoffAboveItsMaximumNamingBothKeys() {
    assertThatThrownBy(() -> TrainerConfigFactory.fromProperties(Map.of(
        "trainer.retry.backoff", "PT20S", "trainer.retry.backoff.max", "PT10S")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trainer.retry.backoff")
        .hasMessageContaining("trainer.retry.backoff.max");
  }
}
