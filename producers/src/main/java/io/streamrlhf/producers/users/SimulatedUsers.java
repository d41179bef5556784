package io.streamrlhf.producers.users;

import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.EventPublisher;
import io.streamrlhf.producers.config.UsersConfig;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated-users service: reads {@code rlhf.responses} (rollouts and production responses) and lets a
 * {@link UserPopulation} react, writing thumbs as {@code Feedback} and A/B choices between two responses to the
 * same prompt as {@code PairwisePreference}. Offsets are committed only after the batch's events are
 * acknowledged, so a restart re-rates rather than skips (at least once).
 */
public final class SimulatedUsers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SimulatedUsers.class);

    /** What the users did so far. */
    public record Stats(long responsesSeen, long thumbsUp, long thumbsDown, long preferences, long failedWrites) {}

    /**
     * What the A/B choices of one task met so far: {@code candidates} responses that found an earlier response to
     * the same prompt to be compared with, {@code ties} of them where the user's taste scored both the same (no
     * choice, whether or not the user would have compared), {@code identical} where both completions were the
     * same text. Ties are why pairs dry up when a policy answers a prompt always right, always wrong or always alike.
     */
    public record Comparisons(long candidates, long ties, long identical) {}

    private record Seen(String responseId, String completion) {}

    /** Per task: candidates, ties, identical. */
    private final Map<String, AtomicLong[]> comparisons = new java.util.concurrent.ConcurrentHashMap<>();

    private final UserPopulation population;
    private final ChatFeedbackClient client;
    private final Consumer<String, ResponseGenerated> consumer;
    private final String responsesTopic;
    private final Random random;
    private final Map<String, List<Seen>> pending;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong ups = new AtomicLong();
    private final AtomicLong downs = new AtomicLong();
    private final AtomicLong preferences = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private Thread thread;
    private volatile Throwable failure;
    private volatile long degradedVersion = -1;

    /** The service on a real cluster: a consumer in {@code config.groupId()} and an idempotent producer. */
    public SimulatedUsers(UsersConfig config, SchemaRegistryClient registry) {
        this(config, new Topics(config.client().connection().topics(), registry));
    }

    private SimulatedUsers(UsersConfig config, Topics topics) {
        this(
                UserPopulation.draw(config.population()),
                new ChatFeedbackClient(EventPublisher.create(config.client()), topics, Clock.systemUTC()),
                createConsumer(config, topics.responses()),
                topics.responses().name(),
                config.pendingPrompts(),
                new Random(config.population().seed()));
    }

    /** The service from parts (tests pass a {@code MockConsumer} and a client on a {@code MockProducer}). */
    public SimulatedUsers(
            UserPopulation population,
            ChatFeedbackClient client,
            Consumer<String, ResponseGenerated> consumer,
            String responsesTopic,
            int pendingPrompts,
            Random random) {
        this.population = Objects.requireNonNull(population, "population");
        this.client = Objects.requireNonNull(client, "client");
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.responsesTopic = Objects.requireNonNull(responsesTopic, "responsesTopic");
        this.random = Objects.requireNonNull(random, "random");
        this.pending = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, List<Seen>> eldest) {
                return size() > pendingPrompts;
            }
        };
    }

    private static Consumer<String, ResponseGenerated> createConsumer(
            UsersConfig config, Topic<String, ResponseGenerated> topic) {
        Map<String, Object> props = config.client()
                .connection()
                .clientProperties(Map.of(
                        ConsumerConfig.GROUP_ID_CONFIG,
                        config.groupId(),
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        config.client().clientId() + "-consumer",
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"));
        return new KafkaConsumer<>(
                props, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    /**
     * Makes every user dislike the responses of policy version {@code version} (thumbs down whenever they rate one),
     * as if that version were broken: the demo's switch {@code users.degrade.version} for
     * showing a canary rollback. -1 turns it off.
     */
    public SimulatedUsers degrading(long version) {
        this.degradedVersion = version;
        return this;
    }

    /** Starts the poll loop on its own thread; returns this. */
    public synchronized SimulatedUsers start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = new Thread(this::run, "simulated-users");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** The poll loop: runs until {@link #close()}. */
    public void run() {
        try {
            consumer.subscribe(List.of(responsesTopic));
            while (running.get()) {
                ConsumerRecords<String, ResponseGenerated> records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    continue;
                }
                List<CompletableFuture<String>> writes = new ArrayList<>();
                for (ConsumerRecord<String, ResponseGenerated> record : records) {
                    if (record.value() == null) {
                        continue;
                    }
                    writes.addAll(onResponse(record.value()));
                }
                awaitQuietly(writes);
                consumer.commitSync();
            }
        } catch (WakeupException e) {
            if (running.get()) {
                failure = e;
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("Simulated users stopped on an unexpected error reading {}", responsesTopic, e);
            if (running.get()) {
                failure = e;
            }
            throw e;
        } finally {
            consumer.close();
        }
    }

    /** Why the poll loop ended on its own (not by {@link #close()}), if it did. */
    public java.util.Optional<Throwable> failure() {
        return java.util.Optional.ofNullable(failure);
    }

    /**
     * Lets one user react to one response: maybe a thumb, maybe an A/B choice against an earlier response to
     * the same prompt. Returns the pending writes.
     */
    public List<CompletableFuture<String>> onResponse(ResponseGenerated response) {
        seen.incrementAndGet();
        SimulatedUser user = population.pick(response.getUserId(), random);
        String task = response.getTask();
        String prompt = response.getPrompt();
        List<CompletableFuture<String>> writes = new ArrayList<>(2);
        boolean degraded = degradedVersion >= 0 && response.getPolicyVersion() == degradedVersion;
        user.rate(task, prompt, response.getCompletion(), random)
                .map(kind -> degraded ? FeedbackKind.THUMBS_DOWN : kind)
                .ifPresent(kind -> {
                    (kind == FeedbackKind.THUMBS_UP ? ups : downs).incrementAndGet();
                    writes.add(counted(client.feedback(kind, response.getResponseId(), user.userId(), null, null)));
                });
        List<Seen> earlier = pending.computeIfAbsent(response.getPromptId(), k -> new ArrayList<>());
        if (!earlier.isEmpty()) {
            Seen other = earlier.get(random.nextInt(earlier.size()));
            countComparison(user, task, prompt, response.getCompletion(), other.completion());
            Optional<SimulatedUser.Choice> choice =
                    user.compare(task, prompt, response.getCompletion(), other.completion(), random);
            choice.ifPresent(c -> {
                preferences.incrementAndGet();
                String chosen = c == SimulatedUser.Choice.FIRST ? response.getResponseId() : other.responseId();
                String rejected = c == SimulatedUser.Choice.FIRST ? other.responseId() : response.getResponseId();
                writes.add(counted(client.prefer(response.getPromptId(), chosen, rejected, user.userId())));
            });
        }
        if (earlier.stream().noneMatch(s -> s.responseId().equals(response.getResponseId()))) {
            earlier.add(new Seen(response.getResponseId(), response.getCompletion()));
        }
        return writes;
    }

    /** What the A/B choices met so far, by task. */
    public Map<String, Comparisons> comparisons() {
        Map<String, Comparisons> out = new java.util.TreeMap<>();
        comparisons.forEach((task, c) -> out.put(task, new Comparisons(c[0].get(), c[1].get(), c[2].get())));
        return out;
    }

    private void countComparison(SimulatedUser user, String task, String prompt, String first, String second) {
        AtomicLong[] c = comparisons.computeIfAbsent(
                io.streamrlhf.producers.tasks.TaskKind.resolve(task, prompt).id(),
                t -> new AtomicLong[] {new AtomicLong(), new AtomicLong(), new AtomicLong()});
        c[0].incrementAndGet();
        // Scored without a random draw, so counting does not change what the users do.
        if (user.tastes().judge(task, prompt, first).score()
                == user.tastes().judge(task, prompt, second).score()) {
            c[1].incrementAndGet();
        }
        if (first.equals(second)) {
            c[2].incrementAndGet();
        }
    }

    /** Counts so far. */
    public Stats stats() {
        return new Stats(seen.get(), ups.get(), downs.get(), preferences.get(), failures.get());
    }

    /** Stops the loop, waits for it, and closes the producer. */
    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(Duration.ofSeconds(30).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        client.close();
    }

    private CompletableFuture<String> counted(CompletableFuture<String> write) {
        return write.whenComplete((id, error) -> {
            if (error != null) {
                failures.incrementAndGet();
            }
        });
    }

    private static void awaitQuietly(List<CompletableFuture<String>> writes) {
        try {
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).join();
        } catch (RuntimeException e) {
            // Each failure is already logged by the publisher and counted in stats(); a simulated user does not
            // retry, and the batch's offsets still advance so one bad write cannot wedge the loop.
            log.debug("Some simulated feedback writes failed", e);
        }
    }
}
