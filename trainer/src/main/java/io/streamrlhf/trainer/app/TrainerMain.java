package io.streamrlhf.trainer.app;

import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the online trainer as its own process: {@code TrainerMain [trainer.properties]}, with
 * {@code schema.registry.url} (default {@code http://localhost:8081}) and the keys of
 * {@link TrainerConfigFactory}; environment variables {@code TRAINER_*} override.
 */
public final class TrainerMain {

  private static final Logger LOG = LoggerFactory.getLogger(TrainerMain.class);

  private TrainerMain() {}

  /** Entry point. */
  public static void main(String[] args) throws IOException, InterruptedException {
    Map<String, String> props = new HashMap<>();
    if (args.length > 0) {
      Properties file = new Properties();
      try (Reader reader = Files.newBufferedReader(Path.of(args[0]))) {
        file.load(reader);
      }
      file.stringPropertyNames().forEach(k -> props.put(k, file.getProperty(k)));
    }
    TrainerConfig config = TrainerConfigFactory.fromPropertiesAndEnvironment(props);
    Topics topics = new Topics(config.topics(), new RestSchemaRegistryClient(
        props.getOrDefault("schema.registry.url", "http://localhost:8081")));
    OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
    Thread loop = new Thread(trainer::run, "trainer-loop");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      trainer.stop();
      try {
        loop.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "trainer-shutdown"));
    loop.start();
    LOG.info("Trainer {} started against {}", config.modelId(), config.bootstrapServers());
    loop.join();
  }
}
