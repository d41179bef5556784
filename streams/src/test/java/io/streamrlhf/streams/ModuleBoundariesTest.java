package io.streamrlhf.streams;

import com.tngtech.archunit.core.domain.JavaClasses;
import io.streamrlhf.schemas.architecture.ModuleRules;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The topologies reach other modules only through topics, and Kafka only through its public API. */
class ModuleBoundariesTest {

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main = ModuleRules.mainClasses();
  }

  @Test
  void usesNoOtherModuleThanSchemas() {
    ModuleRules.noUseOf("streams talk to the trainer, producers and app only through topics",
        "io.streamrlhf.localstack..", "io.streamrlhf.trainer..", "io.streamrlhf.producers..",
        "io.streamrlhf.app..", "io.streamrlhf.bench..").check(main);
  }

  /**
   * The two allow-listed classes still use Kafka Streams internals and are being rewritten on the public API; each
   * leaves this list when it no longer needs them, and the list is to end empty.
   */
  @Test
  void usesOnlyKafkasPublicApi() {
    ModuleRules.noKafkaInternals(
        "io.streamrlhf.streams.common.EmissionRouter",
        "io.streamrlhf.streams.common.WriteBehindKeyValueStore").check(main);
  }
}
