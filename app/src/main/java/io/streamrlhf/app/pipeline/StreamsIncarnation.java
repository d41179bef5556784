package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.ops.ComponentHealth;
import io.streamrlhf.app.ops.ProcessMetrics;
import io.streamrlhf.app.ops.Supervised;
import io.streamrlhf.streams.app.StreamsApp;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One Kafka Streams client of the process's {@link StreamsApp}: a restart replaces the client, while the app and
 * its monitor endpoint (and port) stay. Ready while the client is {@code RUNNING}.
 */
final class StreamsIncarnation implements Supervised {

    private final StreamsApp app;
    private final ProcessMetrics metrics;
    private AutoCloseable meters;

    StreamsIncarnation(StreamsApp app, ProcessMetrics metrics) {
        this.app = app;
        this.metrics = metrics;
    }

    @Override
    public void start(Consumer<Throwable> onFailure) {
        app.start(onFailure);
        meters = app.kafkaStreams().map(metrics::bindStreams).orElse(null);
    }

    @Override
    public ComponentHealth health() {
        KafkaStreams.State state = app.state();
        return state == KafkaStreams.State.RUNNING
                ? ComponentHealth.ready(state.name())
                : ComponentHealth.notReady(state.name(), "Kafka Streams is not RUNNING");
    }

    @Override
    public void close() throws Exception {
        if (meters != null) {
            meters.close();
        }
        app.stopProcessing(Duration.ofSeconds(30));
    }
}
