package io.streamrlhf.producers.sampler;

import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.avro.SamplingParams;
import io.streamrlhf.producers.routing.PolicyRouter;
import io.streamrlhf.producers.routing.Route;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.generate.Generation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes prompts, samples K completions per prompt from the newest policy version, and emits each as a
 * {@code ResponseGenerated} (source {@code SAMPLED_ROLLOUT}, policy version, sampling parameters, and the
 * policy's log-probability of each sampled token, end token included when sampling stopped there) in the same
 * Kafka transaction that commits the prompt offsets: a prompt is rolled out exactly once, by exactly one
 * version. New versions are swapped in between batches (see {@link PolicyFollower}); for a Hugging Face model a
 * swap changes only the adapters on the base loaded once ({@link VersionLoader}). Until version 0 exists, prompts
 * wait unconsumed.
 */
public final class RolloutSampler implements Runnable, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RolloutSampler.class);

    private final SamplerConfig config;
    private final Topics topics;
    private final PolicyFollower follower;
    private final KafkaConsumer<String, Prompt> consumer;
    private final KafkaProducer<String, ResponseGenerated> producer;
    private final Random random;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong rollouts = new AtomicLong();
    private final Map<Long, Long> rolloutsByVersion = new ConcurrentHashMap<>();
    private volatile PolicyFollower.LoadedPolicy current;
    private final PolicyRouter router;
    private final Map<Long, PolicyFollower.LoadedPolicy> routed = new HashMap<>();

    public RolloutSampler(SamplerConfig config, Topics topics, PolicyFollower follower) {
        this(config, topics, follower, null);
    }

    /**
     * A sampler that follows canary decisions: once {@code router} knows the model's route, each prompt's rollouts
     * use the canary for the router's share of prompts and the promoted version otherwise; before the first
     * decision (or with a null router) it rolls out the newest version, as without canaries.
     */
    public RolloutSampler(SamplerConfig config, Topics topics, PolicyFollower follower, PolicyRouter router) {
        this.router = router;
        this.config = config;
        this.topics = topics;
        this.follower = follower;
        this.random = new Random(config.seed());
        this.consumer = new KafkaConsumer<>(
                withOverrides(
                        config,
                        Map.of(
                                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                config.bootstrapServers(),
                                ConsumerConfig.GROUP_ID_CONFIG,
                                config.groupId(),
                                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                "read_committed",
                                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                false,
                                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                "earliest",
                                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                                config.maxPromptsPerBatch())),
                topics.prompts().keySerde().deserializer(),
                topics.prompts().valueSerde().deserializer());
        this.producer = new KafkaProducer<>(
                withOverrides(
                        config,
                        Map.of(
                                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                config.bootstrapServers(),
                                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                                config.transactionalId(),
                                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                true,
                                ProducerConfig.ACKS_CONFIG,
                                "all",
                                ProducerConfig.LINGER_MS_CONFIG,
                                5)),
                topics.responses().keySerde().serializer(),
                topics.responses().valueSerde().serializer());
    }

    /** {@code kafka.*} / {@code sampler.kafka.*} first, so that the guarantees set here cannot be overridden. */
    private static Map<String, Object> withOverrides(SamplerConfig config, Map<String, Object> own) {
        Map<String, Object> props = new java.util.HashMap<>(config.kafkaOverrides());
        props.putAll(own);
        return props;
    }

    @Override
    public void run() {
        try {
            producer.initTransactions();
            awaitFirstPolicy();
            consumer.subscribe(List.of(topics.prompts().name()));
            while (running.get()) {
                swapIfNewer();
                ConsumerRecords<String, Prompt> batch = consumer.poll(config.pollTimeout());
                if (!batch.isEmpty()) {
                    rollOut(batch);
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close();
            producer.close();
            if (current != null) {
                current.policy().close();
            }
            routed.values().forEach(p -> p.policy().close());
            routed.clear();
        }
    }

    private void awaitFirstPolicy() throws InterruptedException {
        while (running.get() && current == null) {
            swapIfNewer();
            if (current == null) {
                Thread.sleep(100); // polling a local reference, not waiting on Kafka
            }
        }
    }

    private void swapIfNewer() {
        PolicyFollower.LoadedPolicy newer = follower.takeNewer(current == null ? -1 : current.version());
        if (newer != null) {
            PolicyFollower.LoadedPolicy old = current;
            current = newer;
            if (old != null) {
                old.policy().close();
            }
            log.info("Sampler now rolls out policy version {}", newer.version());
        }
    }

    private void rollOut(ConsumerRecords<String, Prompt> batch) {
        Map<PolicyFollower.LoadedPolicy, List<Prompt>> byPolicy = new java.util.LinkedHashMap<>();
        for (ConsumerRecord<String, Prompt> record : batch) {
            if (record.value() != null) {
                byPolicy.computeIfAbsent(policyForNextPrompt(), p -> new ArrayList<>())
                        .add(record.value());
            }
        }
        // Generate first: the transaction stays open only for the sends, not for the model.
        List<ResponseGenerated> responses = new ArrayList<>();
        byPolicy.forEach((policy, prompts) -> responses.addAll(rollOut(policy, prompts)));
        producer.beginTransaction();
        try {
            for (ResponseGenerated r : responses) {
                long time = r.getEventTime().toEpochMilli();
                producer.send(new ProducerRecord<>(topics.responses().name(), null, time, r.getResponseId(), r));
            }
            long emitted = responses.size();
            producer.sendOffsetsToTransaction(nextOffsets(batch), consumer.groupMetadata());
            producer.commitTransaction();
            rollouts.addAndGet(emitted);
        } catch (RuntimeException e) {
            producer.abortTransaction();
            // Rewind so the aborted prompts are rolled out again rather than skipped.
            for (TopicPartition tp : batch.partitions()) {
                consumer.seek(tp, batch.records(tp).get(0).offset());
            }
            throw e;
        }
        byPolicy.forEach((policy, prompts) -> rolloutsByVersion.merge(
                policy.version(), (long) prompts.size() * config.rolloutsPerPrompt(), Long::sum));
    }

    /**
     * The policy for the next prompt: by the canary route once there is one (the canary for its share of prompts,
     * else the promoted version), else the newest version. A routed version that cannot be loaded falls back to the
     * newest one, so the sampler never stalls on a decision.
     */
    private PolicyFollower.LoadedPolicy policyForNextPrompt() {
        if (router == null) {
            return current;
        }
        Optional<Long> version = router.versionForDraw(config.modelId(), random.nextDouble());
        if (version.isEmpty()) {
            return current;
        }
        Optional<Route> route = router.route(config.modelId());
        // Drop models no longer routed to (a promoted canary's parent, a rolled-back canary).
        routed.entrySet().removeIf(e -> {
            boolean keep = route.isPresent()
                    && (e.getKey() == route.get().promoted()
                            || e.getKey() == route.get().canary());
            if (!keep) {
                e.getValue().policy().close();
            }
            return !keep;
        });
        long v = version.get();
        if (current != null && current.version() == v) {
            return current;
        }
        PolicyFollower.LoadedPolicy loaded = routed.get(v);
        if (loaded == null) {
            loaded = follower.loadAdmitted(v).orElse(null);
            if (loaded == null) {
                return current;
            }
            routed.put(v, loaded);
            log.info("Sampler loaded policy version {} for canary routing", v);
        }
        return loaded;
    }

    /** The rollouts of {@code batchPrompts} by {@code policy}, K per prompt. */
    private List<ResponseGenerated> rollOut(PolicyFollower.LoadedPolicy policy, List<Prompt> batchPrompts) {
        List<Prompt> prompts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Prompt prompt : batchPrompts) {
            for (int k = 0; k < config.rolloutsPerPrompt(); k++) {
                prompts.add(prompt);
                texts.add(prompt.getText());
            }
        }
        List<Generation> completions = policy.policy().generate(texts, config.sampling(), random);
        List<ResponseGenerated> out = new ArrayList<>(completions.size());
        long now = Instant.now().toEpochMilli();
        for (int i = 0; i < completions.size(); i++) {
            Prompt prompt = prompts.get(i);
            int k = i % config.rolloutsPerPrompt();
            String responseId = prompt.getPromptId() + ":v" + policy.version() + ":" + k;
            ResponseGenerated response = ResponseGenerated.newBuilder()
                    .setResponseId(responseId)
                    .setPromptId(prompt.getPromptId())
                    .setPrompt(prompt.getText())
                    .setCompletion(completions.get(i).text())
                    .setTokenLogprobs(boxed(completions.get(i).tokenLogprobs()))
                    .setTruncated(!completions.get(i).ended())
                    .setModelId(config.modelId())
                    .setPolicyVersion(policy.version())
                    .setSource(ResponseSource.SAMPLED_ROLLOUT)
                    .setSampling(SamplingParams.newBuilder()
                            .setTemperature((float) config.sampling().temperature())
                            .setTopP((float) config.sampling().topP())
                            .setMaxTokens(config.sampling().maxTokens())
                            .setSeed(config.seed())
                            .build())
                    .setTask(prompt.getTask())
                    .setEventTime(Instant.ofEpochMilli(now))
                    .build();
            out.add(response);
        }
        return out;
    }

    private static List<Float> boxed(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, Prompt> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : batch.partitions()) {
            List<ConsumerRecord<String, Prompt>> records = batch.records(tp);
            offsets.put(
                    tp, new OffsetAndMetadata(records.get(records.size() - 1).offset() + 1));
        }
        return offsets;
    }

    /** Rollouts emitted so far. */
    public long rollouts() {
        return rollouts.get();
    }

    /** Rollouts emitted per policy version: which version produced what. */
    public Map<Long, Long> rolloutsByVersion() {
        return Map.copyOf(rolloutsByVersion);
    }

    /** The prompt consumer, for metrics binders (which only read its {@code metrics()}). */
    public Consumer<?, ?> kafkaConsumer() {
        return consumer;
    }

    /** The transactional rollout producer, for metrics binders (which only read its {@code metrics()}). */
    public Producer<?, ?> kafkaProducer() {
        return producer;
    }

    /** The policy version in service, or -1 before the first one. */
    public long currentVersion() {
        PolicyFollower.LoadedPolicy policy = current;
        return policy == null ? -1 : policy.version();
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
    }
}
