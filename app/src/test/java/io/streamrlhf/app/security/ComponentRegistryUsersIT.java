package io.streamrlhf.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.localstack.stack.StackConfig;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secured stack gives each component its own registry user with least privilege: the components that write
 * records may register schemas, the dashboard (which only reads) may look them up but not register, and a
 * client with only the shared settings is a reader too.
 */
class ComponentRegistryUsersIT {

    @Test
    void writerComponentRegistersAndReaderOnlyComponentCannot(@TempDir Path dataDir) {
        Map<String, String> settings = Map.of("data.dir", dataDir.toString());
        SecureStack secured = SecureStack.start(StackConfig.from(settings), settings);
        try {
            Map<String, String> client = new HashMap<>(secured.clientSettings());
            client.put(
                    ClusterSettings.SCHEMA_REGISTRY_URL.name(), secured.stack().registryUrl());
            try (RestSchemaRegistryClient trainer = clientOf(client, "trainer");
                    RestSchemaRegistryClient dashboard = clientOf(client, "dashboard");
                    RestSchemaRegistryClient shared =
                            new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(client))) {
                // Given each component's own user, named as its Kafka principal
                assertThat(client.get("trainer.schema.registry.basic.auth.user.info"))
                        .startsWith("streamrlhf-trainer:");
                assertThat(client.get("dashboard.schema.registry.basic.auth.user.info"))
                        .startsWith("streamrlhf-dashboard:");

                // When the trainer registers the versions schema, it gets an id
                int id = trainer.register("rlhf.policy.versions-value", PolicyVersion.getClassSchema());
                assertThat(id).isPositive();

                // Then the dashboard may look it up, but not register a schema of its own
                assertThat(dashboard.lookup("rlhf.policy.versions-value", PolicyVersion.getClassSchema()))
                        .isEqualTo(id);
                assertThatThrownBy(() -> dashboard.register("rlhf.prompts-value", Prompt.getClassSchema()))
                        .isInstanceOfSatisfying(
                                SchemaRegistryException.class,
                                e -> assertThat(e.httpStatus()).isEqualTo(403));
                // And neither may a client with the shared settings only
                assertThatThrownBy(() -> shared.register("rlhf.prompts-value", Prompt.getClassSchema()))
                        .isInstanceOfSatisfying(
                                SchemaRegistryException.class,
                                e -> assertThat(e.httpStatus()).isEqualTo(403));
            }
        } finally {
            secured.stack().close();
        }
    }

    private static RestSchemaRegistryClient clientOf(Map<String, String> settings, String component) {
        return new RestSchemaRegistryClient(
                RestSchemaRegistryClient.Config.fromSettings(ClusterSettings.forComponent(settings, component)));
    }
}
