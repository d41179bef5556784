package io.streamrlhf.producers.client;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.PreferenceSource;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.UserPseudonyms;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The Java API for chat products: record the responses users saw and what they thought of them.
 *
 * <p>Every method returns a future that completes with the id of the written event once Kafka has
 * acknowledged it (all in-sync replicas, idempotent producer), or exceptionally with a
 * {@link PublishException} whose reason says whether a retry can help. To block, use
 * {@link PublishException#await}. Keys follow ARCHITECTURE.md: responses and feedback by response id,
 * preferences by prompt id. Thread-safe; share one instance per process and close it on shutdown.
 *
 * <p><b>Retries.</b> Each event gets its id and event time once, when it is built. The producer already retries
 * inside Kafka's delivery timeout without duplicates; when a write still fails with a
 * {@linkplain PublishException.Reason#retriable() retriable} reason, it may or may not have landed, and
 * {@link #retry(PublishException)} sends the very same event again: the streams drop the second copy by its id.
 * Building a new event instead (a new call to {@link #thumbsUp} and so on) would give it a new id and count twice.
 *
 * <pre>{@code
 * try (ChatFeedbackClient client = ChatFeedbackClient.connect(ClientConfig.fromProperties(props))) {
 *     String responseId = client.recordResponse(ChatResponse.of(promptId, prompt, completion)).join();
 *     client.thumbsUp(responseId, "user-42").join();
 * }
 * }</pre>
 */
public final class ChatFeedbackClient implements AutoCloseable {

    private final EventPublisher publisher;
    private final Topics topics;
    private final Clock clock;
    /** The model id a response names when its sender gives none. */
    public static final String DEFAULT_MODEL_ID = "policy";

    private final UserPseudonyms userIds;
    private AutoCloseable ownedRegistry;

    /**
     * A client for a chat product: connects to the cluster and the schema registry named in {@code config}
     * (REST registry client, closed with this client).
     */
    public static ChatFeedbackClient connect(ClientConfig config) {
        SchemaRegistryClient registry = config.connection().openRegistry();
        try {
            ChatFeedbackClient client = new ChatFeedbackClient(config, registry);
            client.ownedRegistry = registry;
            return client;
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
    }

    /** A client writing to the topics named in {@code config} with Avro schemas kept in {@code registry}. */
    public ChatFeedbackClient(ClientConfig config, SchemaRegistryClient registry) {
        this(
                EventPublisher.create(config),
                new Topics(config.connection().topics(), registry),
                Clock.systemUTC(),
                config.userIds());
    }

    /** A client writing through {@code publisher} to {@code topics} (the gateway and tests share one publisher). */
    public ChatFeedbackClient(EventPublisher publisher, Topics topics, Clock clock) {
        this(publisher, topics, clock, UserPseudonyms.off());
    }

    /**
     * As {@link #ChatFeedbackClient(EventPublisher, Topics, Clock)}, writing user ids as {@code userIds} says: every
     * event (and erasure) this client builds carries the pseudonym of the raw id it was given.
     */
    public ChatFeedbackClient(EventPublisher publisher, Topics topics, Clock clock, UserPseudonyms userIds) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.userIds = Objects.requireNonNull(userIds, "userIds");
    }

    /** Records a response a user saw; completes with its response id (the given one, or a generated one). */
    public CompletableFuture<String> recordResponse(ChatResponse response) {
        return send(responseEvent(response));
    }

    /** The event {@link #recordResponse} writes, built (id and event time fixed) but not sent. */
    public ClientEvent responseEvent(ChatResponse response) {
        String responseId = response.responseId() != null ? response.responseId() : newId();
        ResponseGenerated event = ResponseGenerated.newBuilder()
                .setResponseId(responseId)
                .setConversationId(response.conversationId() == null ? "" : response.conversationId())
                .setPromptId(response.promptId())
                .setPrompt(response.prompt())
                .setCompletion(response.completion())
                .setModelId(response.modelId() == null ? DEFAULT_MODEL_ID : response.modelId())
                .setPolicyVersion(response.policyVersion())
                .setSource(ResponseSource.PRODUCTION)
                .setUserId(userIds.apply(response.userId()))
                .setTask(response.task())
                .setEventTime(clock.instant())
                .build();
        return ClientEvent.of(event);
    }

    /** Writes a fully built response event (production or rollout); completes with its response id. */
    public CompletableFuture<String> record(ResponseGenerated event) {
        return send(ClientEvent.of(event));
    }

    /**
     * Writes an event built earlier (by this client or from a {@link PublishException#event()}), unchanged;
     * completes with its id. Sending one event twice writes two identical records that the streams deduplicate.
     */
    public CompletableFuture<String> send(ClientEvent event) {
        CompletableFuture<?> write;
        if (event.value() instanceof ResponseGenerated r) {
            write = publisher.send(topics.responses(), event.key(), r);
        } else if (event.value() instanceof Feedback f) {
            write = publisher.send(topics.feedback(), event.key(), f);
        } else if (event.value() instanceof UserErased e) {
            write = publisher.send(topics.erasures(), event.key(), e);
        } else {
            write = publisher.send(topics.preferences(), event.key(), (PairwisePreference) event.value());
        }
        CompletableFuture<String> result = new CompletableFuture<>();
        write.whenComplete((ok, error) -> {
            if (error == null) {
                result.complete(event.id());
            } else {
                result.completeExceptionally(
                        PublishException.of("event " + event.id(), error).withEvent(event));
            }
        });
        return result;
    }

    /**
     * Sends the event of a failed write again, unchanged (same id and event time), so that a retry after an
     * unknown outcome cannot count twice. Completes with its id.
     *
     * @throws IllegalArgumentException when {@code failure} carries no event (it did not come from this client)
     */
    public CompletableFuture<String> retry(PublishException failure) {
        return send(failure.event()
                .orElseThrow(() -> new IllegalArgumentException(
                        "the failure carries no event to send again: " + failure.getMessage())));
    }

    /** {@code userId} liked response {@code responseId}; completes with the feedback id. */
    public CompletableFuture<String> thumbsUp(String responseId, String userId) {
        return feedback(FeedbackKind.THUMBS_UP, responseId, userId, null, null);
    }

    /** {@code userId} disliked response {@code responseId}; completes with the feedback id. */
    public CompletableFuture<String> thumbsDown(String responseId, String userId) {
        return feedback(FeedbackKind.THUMBS_DOWN, responseId, userId, null, null);
    }

    /** {@code userId} withdrew an earlier vote on response {@code responseId}; completes with the feedback id. */
    public CompletableFuture<String> retract(String responseId, String userId) {
        return feedback(FeedbackKind.RETRACT, responseId, userId, null, null);
    }

    /**
     * Writes one feedback event. A non-null {@code feedbackId} makes a redelivery recognizable downstream
     * (pass the same id when retrying); {@code null} generates one. Completes with the feedback id.
     */
    public CompletableFuture<String> feedback(
            FeedbackKind kind, String responseId, String userId, String comment, String feedbackId) {
        return send(feedbackEvent(kind, responseId, userId, comment, feedbackId));
    }

    /** The event {@link #feedback} writes, built (id and event time fixed) but not sent. */
    public ClientEvent feedbackEvent(
            FeedbackKind kind, String responseId, String userId, String comment, String feedbackId) {
        Objects.requireNonNull(kind, "kind");
        requireId(responseId, "responseId");
        requireId(userId, "userId");
        Feedback event = Feedback.newBuilder()
                .setFeedbackId(feedbackId != null ? feedbackId : newId())
                .setResponseId(responseId)
                .setUserId(userIds.apply(userId))
                .setKind(kind)
                .setComment(comment)
                .setEventTime(clock.instant())
                .build();
        return ClientEvent.of(event);
    }

    /**
     * {@code userId} preferred response {@code chosenResponseId} over {@code rejectedResponseId}, both answers to
     * prompt {@code promptId}; completes with the preference id.
     */
    public CompletableFuture<String> prefer(
            String promptId, String chosenResponseId, String rejectedResponseId, String userId) {
        return prefer(promptId, chosenResponseId, rejectedResponseId, userId, null);
    }

    /** As {@link #prefer(String, String, String, String)}, with an explicit preference id ({@code null}: new). */
    public CompletableFuture<String> prefer(
            String promptId, String chosenResponseId, String rejectedResponseId, String userId, String preferenceId) {
        return send(preferenceEvent(promptId, chosenResponseId, rejectedResponseId, userId, preferenceId));
    }

    /** The event {@link #prefer} writes, built (id and event time fixed) but not sent. */
    public ClientEvent preferenceEvent(
            String promptId, String chosenResponseId, String rejectedResponseId, String userId, String preferenceId) {
        requireId(promptId, "promptId");
        requireId(chosenResponseId, "chosenResponseId");
        requireId(rejectedResponseId, "rejectedResponseId");
        if (chosenResponseId.equals(rejectedResponseId)) {
            throw new IllegalArgumentException(
                    "chosen and rejected response must differ, both were " + chosenResponseId);
        }
        PairwisePreference event = PairwisePreference.newBuilder()
                .setPreferenceId(preferenceId != null ? preferenceId : newId())
                .setPromptId(promptId)
                .setChosenResponseId(chosenResponseId)
                .setRejectedResponseId(rejectedResponseId)
                .setSource(PreferenceSource.HUMAN)
                .setUserId(userIds.apply(userId))
                .setEventTime(clock.instant())
                .build();
        return ClientEvent.of(event);
    }

    /**
     * Asks for {@code userId} to be erased: from the acknowledged write on, the streams drop what they hold of
     * the user and refuse the user's later events (see docs/privacy.md). Completes with the request id, which
     * the erasure report names. {@code reason} says why (never personal data); may be null.
     */
    public CompletableFuture<String> eraseUser(String userId, String reason) {
        return eraseUserNow(userId, reason);
    }

    /**
     * {@code userId} as this client writes it into Kafka (pseudonymised when {@code client.user.id.secret} is set):
     * the key of the user's erasure request and erasure report.
     */
    public String userIdAsWritten(String userId) {
        requireId(userId, "userId");
        return userIds.apply(userId);
    }

    private CompletableFuture<String> eraseUserNow(String userId, String reason) {
        return send(erasureEvent(userId, reason, null));
    }

    /** The event {@link #eraseUser} writes, built (request id and time fixed) but not sent; {@code null} id: new. */
    public ClientEvent erasureEvent(String userId, String reason, String requestId) {
        requireId(userId, "userId");
        UserErased event = UserErased.newBuilder()
                .setUserId(userIds.apply(userId))
                .setRequestedAt(clock.instant())
                .setRequestId(requestId != null ? requestId : newId())
                .setReason(reason)
                .build();
        return ClientEvent.of(event);
    }

    /** The topics this client writes to. */
    public Topics topics() {
        return topics;
    }

    /** Sends everything buffered and waits for the acknowledgements. */
    public void flush() {
        publisher.flush();
    }

    /** Flushes and closes the producer (and the registry client, when {@link #connect} opened it). */
    @Override
    public void close() {
        publisher.close();
        if (ownedRegistry != null) {
            try {
                ownedRegistry.close();
            } catch (Exception e) {
                throw new IllegalStateException("Could not close the schema registry client", e);
            }
        }
    }

    private static String newId() {
        return UUID.randomUUID().toString();
    }

    private static void requireId(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
