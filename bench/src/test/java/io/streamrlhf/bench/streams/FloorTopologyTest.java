package io.streamrlhf.bench.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.config.StateStoreType;
import io.streamrlhf.streams.support.Events;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's floors do what the ratios printed over them assume: the rule floor writes one changelog record
 * more per joined feedback than the minimal join and the same examples, and the votes it stores do not break a later
 * join of the same response.
 */
class FloorTopologyTest {

    private static final String APP = "floor-test";
    private static final String CHANGELOG = APP + "-" + FloorTopology.STORE + "-changelog";

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final Topics topics = new Topics(TopicNames.defaults(), registry);

    @TempDir
    Path stateDir;

    @Test
    void ruleFloorWritesOneMoreChangelogRecordPerFeedbackAndTheSameExamples() throws Exception {
        Run join = run(t -> FloorTopology.minimalJoin(t, StateStoreType.IN_MEMORY, true), "join");
        Run rules = run(t -> FloorTopology.ruleFloor(t, StateStoreType.IN_MEMORY), "rules");

        // Two responses, two feedback events: the minimal join logs the responses only, the rule floor each
        // feedback's vote as well.
        assertThat(join.changelog).hasSize(2);
        assertThat(rules.changelog).hasSize(4);
        assertThat(rules.examples).hasSize(2).isEqualTo(join.examples);
        assertThat(rules.examples.get(0).getLabel()).isTrue();
        assertThat(rules.examples.get(1).getLabel()).isFalse();
    }

    @Test
    void theVoteIsTheResponsesBytesWithFiveMoreAndTheResponseStaysJoinable() throws Exception {
        Path dir = Files.createDirectories(stateDir.resolve("votes"));
        try (TopologyTestDriver driver =
                new TopologyTestDriver(FloorTopology.ruleFloor(topics, StateStoreType.ROCKSDB), props(dir))) {
            Pipes pipes = new Pipes(driver, topics);
            byte[] raw = responseBytes(Events.response("r-1", "p-1", "a completion", 3, 1_000L));
            pipes.responses.pipeInput(key("r-1"), raw, 1_000L);
            pipes.feedback.pipeInput(key("r-1"), feedbackBytes(Events.up("f-1", "r-1", "u-1", 1_001L)), 1_001L);
            pipes.feedback.pipeInput(key("r-1"), feedbackBytes(Events.down("f-2", "r-1", "u-2", 1_002L)), 1_002L);

            KeyValueStore<String, byte[]> store = driver.getKeyValueStore(FloorTopology.STORE);
            // Layout stated independently: the response's wire bytes with the vote count in place of the magic
            // byte, then per vote a label byte (1 for up) and the voter's String hash, big-endian.
            ByteBuffer expected = ByteBuffer.allocate(raw.length + 10).put(raw);
            expected.put((byte) 1).putInt("u-1".hashCode());
            expected.put((byte) 0).putInt("u-2".hashCode());
            byte[] want = expected.array();
            want[0] = 2;
            assertThat(store.get("r-1")).isEqualTo(want);

            List<KtoExample> examples = examples(pipes.examples);
            assertThat(examples).hasSize(2);
            // The second feedback read back a value that already held a vote: its response still decodes whole.
            assertThat(examples.get(1).getCompletion()).isEqualTo("a completion");
            assertThat(examples.get(1).getPrompt()).isEqualTo("prompt of p-1");
            assertThat(examples.get(1).getPolicyVersion()).isEqualTo(3L);
            assertThat(examples.get(1).getUserId()).isEqualTo("u-2");
            assertThat(examples.get(1).getLabel()).isFalse();
        }
    }

    private record Run(List<byte[]> changelog, List<KtoExample> examples) {}

    /** The floors' two input topics and their examples topic, as raw bytes. */
    private static final class Pipes {
        final TestInputTopic<byte[], byte[]> responses;
        final TestInputTopic<byte[], byte[]> feedback;
        final TestOutputTopic<byte[], byte[]> examples;

        Pipes(TopologyTestDriver driver, Topics topics) {
            responses = input(driver, topics.responses().name());
            feedback = input(driver, topics.feedback().name());
            examples = output(driver, topics.ktoExamples().name());
        }
    }

    private Run run(Function<Topics, Topology> build, String name) throws Exception {
        Path dir = Files.createDirectories(stateDir.resolve(name));
        try (TopologyTestDriver driver = new TopologyTestDriver(build.apply(topics), props(dir))) {
            Pipes pipes = new Pipes(driver, topics);
            pipes.responses.pipeInput(
                    key("r-1"), responseBytes(Events.response("r-1", "p-1", "one", 1, 1_000L)), 1_000L);
            pipes.responses.pipeInput(
                    key("r-2"), responseBytes(Events.response("r-2", "p-2", "two", 1, 1_000L)), 1_000L);
            pipes.feedback.pipeInput(key("r-1"), feedbackBytes(Events.up("f-1", "r-1", "u-1", 1_001L)), 1_001L);
            pipes.feedback.pipeInput(key("r-2"), feedbackBytes(Events.down("f-2", "r-2", "u-2", 1_001L)), 1_001L);
            List<byte[]> changelog = driver.producedTopicNames().contains(CHANGELOG)
                    ? output(driver, CHANGELOG).readValuesToList()
                    : List.of();
            return new Run(changelog, examples(pipes.examples));
        }
    }

    private List<KtoExample> examples(TestOutputTopic<byte[], byte[]> out) {
        return out.readValuesToList().stream()
                .map(v -> topics.ktoExamples().valueSerde().deserializer().deserialize("x", v))
                .toList();
    }

    private static Properties props(Path dir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APP);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        return props;
    }

    private byte[] responseBytes(ResponseGenerated r) {
        return topics.responses()
                .valueSerde()
                .serializer()
                .serialize(topics.responses().name(), r);
    }

    private byte[] feedbackBytes(Feedback f) {
        return topics.feedback()
                .valueSerde()
                .serializer()
                .serialize(topics.feedback().name(), f);
    }

    private static byte[] key(String k) {
        return k.getBytes(StandardCharsets.UTF_8);
    }

    private static TestInputTopic<byte[], byte[]> input(TopologyTestDriver driver, String topic) {
        return driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static TestOutputTopic<byte[], byte[]> output(TopologyTestDriver driver, String topic) {
        return driver.createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
