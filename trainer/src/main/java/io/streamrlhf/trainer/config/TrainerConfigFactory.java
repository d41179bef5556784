package io.streamrlhf.trainer.config;

import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@link TrainerConfig} from properties (and the environment: {@code TRAINER_MODEL_ID} for
 * {@code trainer.model.id}, upper-cased with dots as underscores). Every key has a default that
 * works on the embedded local stack.
 *
 * <pre>
 * trainer.model.id=policy                  kafka.bootstrap.servers=localhost:9092
 * trainer.group.id / trainer.transactional.id (default streamrlhf-trainer-&lt;model id&gt;)
 * trainer.checkpoint.dir=data/checkpoints
 * trainer.model.layers=2 .width=128 .heads=4 .context=128 .mlp.ratio=4 .positions=LEARNED .tied=true .seed=42
 * trainer.optimizer.lr=1e-4 .beta1=0.9 .beta2=0.999 .eps=1e-8 .weight.decay=0.01 .max.grad.norm=1 .warmup.steps=10
 * trainer.kto.enabled=true .weight=1 .batch.size=8 .beta=0.1 .desirable.weight=1 .undesirable.weight=1
 *   .kl.coef=0 (both sources: per-token KL penalty toward the reference; 0 = plain TRL loss)
 * trainer.dpo.enabled=true .weight=1 .batch.size=8 .loss=DPO_SIGMOID .beta=0.1 .label.smoothing=0
 *   .simpo.gamma=0.5 .lambda=0.1
 * trainer.staleness.max.lag=4 .action=DOWN_WEIGHT .factor=0.5
 * trainer.publish.every.steps=10  trainer.publish.every=PT30S  trainer.poll.timeout=PT0.2S
 * trainer.max.poll.records=256
 * trainer.reference.cache.entries=200000
 * trainer.warmstart.corpus=(none)  trainer.warmstart.steps=300  trainer.warmstart.lr=1e-3
 * trainer.devices=auto (every GPU DJL sees, data parallel; else the CPU), or e.g. gpu0,gpu1 / cpu
 * trainer.retry.backoff=PT0.1S  trainer.retry.backoff.max=PT10S (re-reading a record after a registry outage)
 * topic.* as in TopicNames.fromProperties
 * </pre>
 */
public final class TrainerConfigFactory {

  /**
   * Default peak rate of online preference training. Measured on the demo's tiny policy: 1e-4 raised the
   * held-out thumbs-up rate steadily for KTO and DPO, 3e-4 and 1e-3 collapsed it under KTO within a minute.
   */
  static final double ONLINE_LEARNING_RATE = 1e-4;

  private TrainerConfigFactory() {}

  /** Properties overlaid by matching environment variables. */
  public static TrainerConfig fromPropertiesAndEnvironment(Map<String, String> props) {
    Map<String, String> merged = new HashMap<>(props);
    for (Map.Entry<String, String> env : System.getenv().entrySet()) {
      if (env.getKey().startsWith("TRAINER_")) {
        merged.put(env.getKey().toLowerCase(Locale.ROOT).replace('_', '.'), env.getValue());
      }
    }
    return fromProperties(merged);
  }

  /** Reads the keys listed in the class comment, defaulting each. */
  public static TrainerConfig fromProperties(Map<String, String> p) {
    try {
      String modelId = p.getOrDefault("trainer.model.id", "policy");
      ModelConfig d = ModelConfig.defaults();
      ModelConfig model = new ModelConfig(
          integer(p, "trainer.model.layers", d.layers()),
          integer(p, "trainer.model.width", d.width()),
          integer(p, "trainer.model.heads", d.heads()),
          integer(p, "trainer.model.context", d.context()),
          integer(p, "trainer.model.mlp.ratio", d.mlpRatio()),
          ModelConfig.Positions.valueOf(p.getOrDefault("trainer.model.positions", "LEARNED")),
          Boolean.parseBoolean(p.getOrDefault("trainer.model.tied", "true")),
          Long.parseLong(p.getOrDefault("trainer.model.seed", "42")));
      OptimizerConfig o = OptimizerConfig.defaults();
      OptimizerConfig optimizer = new OptimizerConfig(
          dbl(p, "trainer.optimizer.lr", ONLINE_LEARNING_RATE),
          dbl(p, "trainer.optimizer.beta1", o.beta1()),
          dbl(p, "trainer.optimizer.beta2", o.beta2()),
          dbl(p, "trainer.optimizer.eps", o.epsilon()),
          dbl(p, "trainer.optimizer.weight.decay", o.weightDecay()),
          dbl(p, "trainer.optimizer.max.grad.norm", o.maxGradNorm()),
          integer(p, "trainer.optimizer.warmup.steps", o.warmupSteps()));
      SourceConfig kto = source(p, "kto", LossType.KTO);
      SourceConfig dpo = source(p, "dpo",
          LossType.valueOf(p.getOrDefault("trainer.dpo.loss", "DPO_SIGMOID")));
      StalenessConfig s = StalenessConfig.defaults();
      StalenessConfig staleness = new StalenessConfig(
          integer(p, "trainer.staleness.max.lag", s.maxVersionLag()),
          StalenessConfig.Action.valueOf(p.getOrDefault("trainer.staleness.action",
              s.action().name())),
          dbl(p, "trainer.staleness.factor", s.downWeightFactor()));
      String defaultId = "streamrlhf-trainer-" + modelId;
      String corpus = p.get("trainer.warmstart.corpus");
      return new TrainerConfig(modelId,
          p.getOrDefault("kafka.bootstrap.servers", "localhost:9092"),
          p.getOrDefault("trainer.group.id", defaultId),
          p.getOrDefault("trainer.transactional.id", defaultId),
          TopicNames.fromProperties(p),
          Path.of(p.getOrDefault("trainer.checkpoint.dir", "data/checkpoints")),
          model, optimizer, kto, dpo, staleness,
          integer(p, "trainer.publish.every.steps", 10),
          Duration.parse(p.getOrDefault("trainer.publish.every", "PT30S")),
          Duration.parse(p.getOrDefault("trainer.poll.timeout", "PT0.2S")),
          integer(p, "trainer.max.poll.records", 256),
          integer(p, "trainer.reference.cache.entries", 200_000),
          corpus == null || corpus.isBlank() ? Optional.empty() : Optional.of(Path.of(corpus)),
          integer(p, "trainer.warmstart.steps", 300),
          dbl(p, "trainer.warmstart.lr", o.learningRate()),
          p.getOrDefault("trainer.devices", "auto"),
          Duration.parse(p.getOrDefault("trainer.retry.backoff", "PT0.1S")),
          Duration.parse(p.getOrDefault("trainer.retry.backoff.max", "PT10S")));
    } catch (NumberFormatException | java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("Bad trainer.* setting: " + e.getMessage(), e);
    }
  }

  private static SourceConfig source(Map<String, String> p, String name, LossType type) {
    String k = "trainer." + name + ".";
    LossConfig defaults = LossConfig.defaults(type);
    LossConfig loss = new LossConfig(type,
        dbl(p, k + "beta", defaults.beta()),
        dbl(p, k + "label.smoothing", defaults.labelSmoothing()),
        dbl(p, k + "simpo.gamma", defaults.simpoGamma()),
        dbl(p, k + "lambda", defaults.lambda()),
        dbl(p, k + "desirable.weight", defaults.desirableWeight()),
        dbl(p, k + "undesirable.weight", defaults.undesirableWeight()));
    return new SourceConfig(name, Boolean.parseBoolean(p.getOrDefault(k + "enabled", "true")),
        loss, dbl(p, k + "weight", 1.0), integer(p, k + "batch.size", 8),
        dbl(p, k + "kl.coef", 0.0));
  }

  private static int integer(Map<String, String> p, String key, int fallback) {
    String v = p.get(key);
    return v == null ? fallback : Integer.parseInt(v.trim());
  }

  private static double dbl(Map<String, String> p, String key, double fallback) {
    String v = p.get(key);
    return v == null ? fallback : Double.parseDouble(v.trim());
  }
}
