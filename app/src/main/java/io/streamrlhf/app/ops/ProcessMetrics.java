package io.streamrlhf.app.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The meters of one process, exposed in the Prometheus text format: JVM basics, the Kafka clients' and Kafka
 * Streams' own metrics (Micrometer's binders), each supervised component's health and restarts, and the
 * components' counters (trainer steps and versions, sampler rollouts, gateway answers, dead letters). Meters whose
 * labels appear at run time (an HTTP status, a dead-letter reason) are added just before each scrape.
 */
public final class ProcessMetrics implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();

    public ProcessMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Where components register their meters. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Runs {@code refresh} before every scrape, to register meters for labels seen since the last one. */
    public void beforeScrape(Runnable refresh) {
        beforeScrape.add(refresh);
    }

    /** Every meter in the Prometheus text format (version 0.0.4). */
    public String scrape() {
        beforeScrape.forEach(Runnable::run);
        return registry.scrape();
    }

    /** Health and restart meters of a supervised component, labelled {@code component}. */
    public void supervise(Supervisor supervisor) {
        List<Tag> tags = List.of(Tag.of("component", supervisor.name()));
        Gauge.builder("streamrlhf.component.ready", supervisor, s -> s.report().ready() ? 1 : 0)
                .description("1 while the component is ready (its /health/ready part is 200)")
                .tags(tags)
                .register(registry);
        Gauge.builder("streamrlhf.component.live", supervisor, s -> s.report().live() ? 1 : 0)
                .description("0 once the supervisor gave up on the component")
                .tags(tags)
                .register(registry);
        FunctionCounter.builder(
                        "streamrlhf.component.restarts",
                        supervisor,
                        s -> s.report().restarts())
                .description("restarts of the component after a failure")
                .tags(tags)
                .register(registry);
    }

    /** Binds a Kafka client's metrics; closing the result removes them (the client is being replaced). */
    public AutoCloseable bindClient(Producer<?, ?> producer, String component) {
        KafkaClientMetrics metrics = new KafkaClientMetrics(producer, List.of(Tag.of("component", component)));
        metrics.bindTo(registry);
        return metrics;
    }

    /** Binds a Kafka client's metrics; closing the result removes them (the client is being replaced). */
    public AutoCloseable bindClient(Consumer<?, ?> consumer, String component) {
        KafkaClientMetrics metrics = new KafkaClientMetrics(consumer, List.of(Tag.of("component", component)));
        metrics.bindTo(registry);
        return metrics;
    }

    /** Binds a Kafka Streams client's metrics (its embedded clients included); closing the result removes them. */
    public AutoCloseable bindStreams(KafkaStreams streams) {
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams, List.of(Tag.of("component", "streams")));
        metrics.bindTo(registry);
        return metrics;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
