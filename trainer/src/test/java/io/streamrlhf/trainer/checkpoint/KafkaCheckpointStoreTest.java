package io.streamrlhf.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The kafka store's addresses, which need no broker: every URI outside its one form is refused unread. */
class KafkaCheckpointStoreTest {

    private final KafkaCheckpointStore store = store();

    @Test
    void aVersionsUriNamesTheTopicModelAndVersion() throws Exception {
        URI uri = store.uri("policy", 12);

        assertThat(uri).hasToString("kafka://rlhf.policy.checkpoints/policy/12");
        store.checkLocation(uri);
        assertThat(store.isOf("policy", 12, uri)).isTrue();
        assertThat(store.isOf("policy", 11, uri)).isFalse();
        assertThat(store.isOf("policy-v2", 12, uri)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "kafka://other.topic/policy/12",
                "file:///tmp/policy/12",
                "kafka://user@rlhf.policy.checkpoints/policy/12",
                "kafka://rlhf.policy.checkpoints:9092/policy/12",
                "kafka://rlhf.policy.checkpoints/policy/12?x=1",
                "kafka://rlhf.policy.checkpoints/policy/12#f",
                "kafka://rlhf.policy.checkpoints/policy/12/adapter_config.json",
                "kafka://rlhf.policy.checkpoints/policy/012",
                "kafka://rlhf.policy.checkpoints/policy/-1",
                "kafka://rlhf.policy.checkpoints/../policy/12",
                "kafka://rlhf.policy.checkpoints/pol%69cy/12",
                "kafka://rlhf.policy.checkpoints/policy",
                "kafka:/rlhf.policy.checkpoints/policy/12"
            })
    void aUriOutsideTheStoresFormIsRefusedUnread(String uri) {
        assertThatThrownBy(() -> store.checkLocation(URI.create(uri)))
                .isInstanceOfSatisfying(
                        UntrustedCheckpointException.class,
                        e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.OUTSIDE_STORE));
        assertThatThrownBy(() -> store.read(URI.create(uri), null)).isInstanceOf(UntrustedCheckpointException.class);
        assertThat(store.isOf("policy", 12, URI.create(uri))).isFalse();
    }

    @Test
    void aVersionAboveTheBoundIsNotWritten() {
        KafkaCheckpointStore small = new KafkaCheckpointStore(
                topics().policyCheckpoints(),
                topics().policyDecisions(),
                "localhost:1",
                Map.of(),
                100,
                64,
                5,
                Duration.ofSeconds(1));
        Checkpoint c = new Checkpoint(
                "policy",
                1,
                0,
                io.streamrlhf.trainer.config.ModelConfig.tiny(),
                io.streamrlhf.trainer.config.OptimizerConfig.defaults(),
                Map.of("w", new float[100]),
                new io.streamrlhf.trainer.optim.OptimizerState(
                        1, Map.of("w", new float[100]), Map.of("w", new float[100])));

        assertThatThrownBy(() -> small.write("ignored", c)).hasMessageContaining("above the bound of 100");
    }

    private static Topics topics() {
        return new Topics(TopicNames.defaults(), new InMemorySchemaRegistry());
    }

    private static KafkaCheckpointStore store() {
        return new KafkaCheckpointStore(
                topics().policyCheckpoints(),
                topics().policyDecisions(),
                "localhost:1",
                Map.of(),
                1 << 20,
                1024,
                5,
                Duration.ofSeconds(1));
    }
}
