package io.streamrlhf.localstack.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackIT {

    @Test
    void restartOnTheSameDataFolderKeepsTopicsAndSchemaIds(@TempDir Path dataDir) {
        StackConfig config = StackConfig.from(Map.of("data.dir", dataDir.toString()));
        int firstId;
        try (LocalStack stack = new LocalStack(config).start();
                RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.registryUrl())) {
            assertThat(stack.topicReport().created()).hasSize(17);
            firstId = registry.register("rlhf.feedback-value", Feedback.getClassSchema());
        }

        try (LocalStack stack = new LocalStack(config).start();
                RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.registryUrl())) {
            assertThat(stack.topicReport().created()).isEmpty();
            assertThat(stack.topicReport().unchanged()).hasSize(17);
            assertThat(stack.topicReport().clean()).isTrue();
            assertThat(registry.lookup("rlhf.feedback-value", Feedback.getClassSchema()))
                    .isEqualTo(firstId);
        }
    }
}
