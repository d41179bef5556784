package io.streamrlhf.producers.tasks;

import io.streamrlhf.avro.Prompt;
import io.streamrlhf.producers.client.EventPublisher;
import io.streamrlhf.producers.config.PromptSourceConfig;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Clock;
import java.util.Objects;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emits {@code Prompt} events (text, task, reference answer) to {@code rlhf.prompts} at a fixed rate, for the
 * sampler to roll out. Prompt texts are reproducible for a seed; prompt ids are fresh on every run, so a
 * restart never reuses an id.
 */
public final class PromptSource implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PromptSource.class);

    private final PromptSourceConfig config;
    private final EventPublisher publisher;
    private final Topic<String, Prompt> topic;
    private final Clock clock;
    private final TaskGenerator generator;
    private final Random random;
    private volatile Throwable failure;
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private ScheduledExecutorService scheduler;

    /** A source writing to the prompts topic named in {@code config} on a real cluster. */
    public PromptSource(PromptSourceConfig config, SchemaRegistryClient registry) {
        this(
                config,
                EventPublisher.create(config.client()),
                new Topics(config.client().connection().topics(), registry).prompts(),
                Clock.systemUTC());
    }

    /** A source from parts (tests pass a publisher on a {@code MockProducer}). */
    public PromptSource(PromptSourceConfig config, EventPublisher publisher, Topic<String, Prompt> topic, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.generator = new TaskGenerator(config.arithmeticShare(), config.maxOperand());
        this.random = new Random(config.seed());
    }

    /** The next prompt event (not yet written). */
    public synchronized Prompt nextPrompt() {
        TaskPrompt p = generator.next(random);
        return Prompt.newBuilder()
                .setPromptId(UUID.randomUUID().toString())
                .setText(p.text())
                .setTask(p.task().id())
                .setReferenceAnswer(p.referenceAnswer())
                .setEventTime(clock.instant())
                .build();
    }

    /** Writes one prompt; completes when Kafka acknowledged it. */
    public CompletableFuture<RecordMetadata> emitOne() {
        Prompt prompt = nextPrompt();
        return publisher.send(topic, prompt.getPromptId(), prompt).whenComplete((m, e) -> {
            if (e == null) {
                emitted.incrementAndGet();
            } else {
                failed.incrementAndGet();
            }
        });
    }

    /** Starts emitting at the configured rate until {@link #close()} or the configured count. */
    public synchronized PromptSource start() {
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "prompt-source");
            t.setDaemon(true);
            return t;
        });
        long periodMicros = Math.max(1, Math.round(1_000_000 / config.ratePerSecond()));
        AtomicLong issued = new AtomicLong();
        scheduler.scheduleAtFixedRate(
                () -> {
                    if (config.maxCount() > 0 && issued.get() >= config.maxCount()) {
                        return;
                    }
                    issued.incrementAndGet();
                    try {
                        emitOne();
                    } catch (RuntimeException | Error e) {
                        // A periodic task that throws is never run again: say so, so that it is restarted.
                        log.error("Prompt source stopped on an unexpected error", e);
                        failure = e;
                        throw e;
                    }
                },
                0,
                periodMicros,
                TimeUnit.MICROSECONDS);
        log.info(
                "Emitting prompts to {} at {}/s (arithmetic share {})",
                topic.name(),
                config.ratePerSecond(),
                config.arithmeticShare());
        return this;
    }

    /** Why emitting stopped on its own after start, if it did. */
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    /** Prompts acknowledged so far. */
    public long emitted() {
        return emitted.get();
    }

    /** Prompts whose write failed so far. */
    public long failed() {
        return failed.get();
    }

    /** Stops emitting, flushes and closes the producer. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
        }
        if (s != null) {
            s.shutdown();
            try {
                s.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        publisher.close();
    }
}
