package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import io.streamrlhf.streams.deadletter.DeadLetterReason;
import io.streamrlhf.streams.deadletter.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/** Each emission reaches the stream of its kind, unwrapped, through the node named for it, and nowhere else. */
class EmissionsTest {

    /** "d:x" emits data x, "m" a monitor event, anything else a dead letter; "child" tries a named child. */
    static final class Emitter implements Processor<String, String, String, Emission<String>> {
        private ProcessorContext<String, Emission<String>> context;

        @Override
        public void init(ProcessorContext<String, Emission<String>> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, String> record) {
            String v = record.value();
            if (v.equals("child")) {
                context.forward(record.withValue(Emission.data(v)), "some-child");
            } else if (v.startsWith("d:")) {
                context.forward(record.withValue(Emission.data(v.substring(2))));
            } else if (v.equals("m")) {
                context.forward(record.withValue(Emission.monitor(new MonitorEvent(7L, MonitorKind.RESPONSE, 1.0))));
            } else {
                byte[] key = record.key().getBytes(StandardCharsets.UTF_8);
                context.forward(record.withValue(Emission.dead(
                        key,
                        DeadLetters.of(
                                DeadLetterReason.MISSING_FIELD, DeadLetters.VALIDATION, v, "in", 0, 0, key, null, 0))));
            }
        }
    }

    @Test
    void sendsEachKindUnwrappedToItsOwnStream() {
        StreamsBuilder builder = new StreamsBuilder();
        Emissions<String> out = Emissions.process(
                builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())), Emitter::new, "emit");
        List<String> data = new java.util.ArrayList<>();
        List<MonitorEvent> monitor = new java.util.ArrayList<>();
        List<DeadLetter> dead = new java.util.ArrayList<>();
        List<String> deadKeys = new java.util.ArrayList<>();
        List<String> dataAgain = new java.util.ArrayList<>();
        out.data().foreach((k, v) -> data.add(k + "=" + v), Named.as("collect-data"));
        out.data().foreach((k, v) -> dataAgain.add(k + "=" + v), Named.as("collect-data-again"));
        out.monitor().foreach((k, v) -> monitor.add(v), Named.as("collect-monitor"));
        out.dead()
                .foreach(
                        (k, v) -> {
                            deadKeys.add(new String(k, StandardCharsets.UTF_8));
                            dead.add(v);
                        },
                        Named.as("collect-dead"));
        Topology topology = builder.build();

        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props())) {
            TestInputTopic<String, String> in = driver.createInputTopic(
                    "in", Serdes.String().serializer(), Serdes.String().serializer());
            in.pipeInput("a", "d:one");
            in.pipeInput("b", "m");
            in.pipeInput("c", "bad");
            in.pipeInput("d", "d:two");
        }

        assertThat(data).containsExactly("a=one", "d=two");
        assertThat(dataAgain).as("every consumer of the data stream").containsExactly("a=one", "d=two");
        assertThat(monitor)
                .singleElement()
                .satisfies(e -> assertThat(e.getPolicyVersion()).isEqualTo(7L));
        assertThat(deadKeys).containsExactly("c");
        assertThat(dead)
                .singleElement()
                .satisfies(d -> assertThat(DeadLetters.reasonOf(d)).isEqualTo(DeadLetterReason.MISSING_FIELD));
        // each kind through one named node, no split into branches
        assertThat(topology.describe().toString())
                .contains("emit-data", "emit-monitor", "emit-dead")
                .doesNotContain("split");
    }

    @Test
    void forwardsNoMonitorEventOrDeadLetterWhereNothingConsumesThem() {
        StreamsBuilder builder = new StreamsBuilder();
        List<String> data = new java.util.ArrayList<>();
        Emissions.process(builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())), Emitter::new, "emit")
                .data()
                .foreach((k, v) -> data.add(v), Named.as("collect-data"));

        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props())) {
            TestInputTopic<String, String> in = driver.createInputTopic(
                    "in", Serdes.String().serializer(), Serdes.String().serializer());
            in.pipeInput("a", "m");
            in.pipeInput("b", "bad");
            in.pipeInput("c", "d:one");
            // Kafka Streams records the end-to-end latency of every record that reaches a terminal node
            assertThat(terminalLatencyMax(driver, "collect-data"))
                    .as("the data reached its consumer")
                    .isNotNaN();
        }
        assertThat(data).containsExactly("one");
    }

    @Test
    void leavesOutTheNodesOfKindsNobodyAskedFor() {
        StreamsBuilder builder = new StreamsBuilder();
        Emissions.process(builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())), Emitter::new, "emit")
                .data()
                .foreach((k, v) -> {}, Named.as("collect-data"));
        assertThat(builder.build().describe().toString())
                .contains("emit-data")
                .doesNotContain("emit-monitor")
                .doesNotContain("emit-dead");
    }

    @Test
    void tellsTheProcessorWhetherItsMonitorEventsGoAnywhere() {
        for (boolean withMonitor : new boolean[] {false, true}) {
            List<Boolean> seen = new java.util.ArrayList<>();
            StreamsBuilder builder = new StreamsBuilder();
            Emissions<String> out = Emissions.process(
                    builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())),
                    () -> new Processor<String, String, String, Emission<String>>() {
                        @Override
                        public void init(ProcessorContext<String, Emission<String>> context) {
                            seen.add(Emission.Routing.monitored(context));
                        }

                        @Override
                        public void process(Record<String, String> record) {}
                    },
                    "emit");
            out.data().foreach((k, v) -> {}, Named.as("collect-data"));
            if (withMonitor) {
                out.monitor().foreach((k, v) -> {}, Named.as("collect-monitor"));
            }
            try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props())) {
                assertThat(seen).as("monitor wired: %s", withMonitor).containsExactly(withMonitor);
            }
        }
    }

    private static double terminalLatencyMax(TopologyTestDriver driver, String node) {
        return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("record-e2e-latency-max")
                        && node.equals(e.getKey().tags().get("processor-node-id")))
                .map(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no latency metric for node " + node));
    }

    @Test
    void refusesAForwardToANamedChild() {
        StreamsBuilder builder = new StreamsBuilder();
        Emissions.process(builder.stream("in", Consumed.with(Serdes.String(), Serdes.String())), Emitter::new, "emit")
                .data()
                .foreach((k, v) -> {}, Named.as("sink"));
        try (TopologyTestDriver driver = new TopologyTestDriver(builder.build(), props())) {
            TestInputTopic<String, String> in = driver.createInputTopic(
                    "in", Serdes.String().serializer(), Serdes.String().serializer());
            assertThatThrownBy(() -> in.pipeInput("a", "child"))
                    .hasRootCauseInstanceOf(UnsupportedOperationException.class)
                    .rootCause()
                    .hasMessageContaining("some-child");
        }
    }

    private static Properties props() {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "emissions-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "dummy:9092");
        return p;
    }
}
