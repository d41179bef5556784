package io.streamrlhf.streams.support;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.common.StreamSerdes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Function;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** A {@link TopologyTestDriver} over an in-memory registry with typed and raw input topics and every output. */
public final class Harness implements AutoCloseable {

    public final InMemorySchemaRegistry registry;
    public final Topics topics;
    public final StreamSerdes serdes;
    public final TopologyTestDriver driver;
    public final TestInputTopic<String, ResponseGenerated> responses;
    public final TestInputTopic<String, Feedback> feedback;
    public final TestInputTopic<String, PairwisePreference> preferences;
    public final TestInputTopic<String, Prompt> prompts;
    public final TestInputTopic<String, UserErased> erasures;
    public final TestOutputTopic<String, KtoExample> examples;
    public final TestOutputTopic<String, DpoPair> pairs;
    public final TestOutputTopic<String, JudgeVerdict> verdicts;
    public final TestOutputTopic<byte[], DeadLetter> deadLetters;
    private final Path stateDir;

    /** A harness over the topology {@code build} makes from the harness's serdes. */
    public Harness(Function<StreamSerdes, Topology> build) {
        this(new InMemorySchemaRegistry(), build);
    }

    /** A harness over {@code registry}. */
    public Harness(InMemorySchemaRegistry registry, Function<StreamSerdes, Topology> build) {
        this.registry = registry;
        this.topics = new Topics(TopicNames.defaults(), registry);
        this.serdes = new StreamSerdes(topics, registry);
        try {
            stateDir = Files.createTempDirectory("streams-test-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(build.apply(serdes), props);
        responses = input(topics.responses());
        feedback = input(topics.feedback());
        preferences = input(topics.preferences());
        prompts = input(topics.prompts());
        erasures = input(topics.erasures());
        examples = output(topics.ktoExamples());
        pairs = output(topics.dpoPairs());
        verdicts = output(topics.judgeVerdicts());
        deadLetters = output(topics.deadLetters());
    }

    /** Raw bytes into {@code topic}, as a broken producer would send them. */
    public TestInputTopic<byte[], byte[]> raw(Topic<?, ?> topic) {
        return driver.createInputTopic(topic.name(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private <K, V> TestInputTopic<K, V> input(Topic<K, V> topic) {
        return driver.createInputTopic(
                topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private <K, V> TestOutputTopic<K, V> output(Topic<K, V> topic) {
        return driver.createOutputTopic(
                topic.name(),
                topic.keySerde().deserializer(),
                topic.valueSerde().deserializer());
    }

    @Override
    public void close() {
        driver.close();
    }
}
