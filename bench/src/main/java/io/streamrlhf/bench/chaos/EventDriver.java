package io.streamrlhf.bench.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Posts a known sequence of events to the gateway at a fixed rate until stopped (or at most {@code responses}
 * responses with their votes), in order: each response, then the votes of its users.
 * Every event has its own id (in the body and as {@code Idempotency-Key}), chosen before the first attempt and reused
 * on every retry, so a retry whose first attempt had landed is a redelivery the streams drop. An event is retried
 * until the gateway answers 202: through connection failures (the gateway killed), 503 (broker or registry down),
 * 409/429, and 422 for feedback whose response the gateway does not know yet (a restarted gateway's tail catching
 * up). Any other answer is a refusal, counted and not retried.
 */
final class EventDriver implements Runnable {

    /** One vote the driver got a 202 for: one expected KTO example. */
    record Vote(String responseId, String userId, boolean label) {}

    private record Event(String path, String id, String json, Vote vote) {}

    private static final int USERS = 50;
    private static final Duration GIVE_UP_422 = Duration.ofSeconds(60);

    private final URI gateway;
    private final String apiKey;
    private final double eventsPerSecond;
    private final int votesPerResponse;
    private final int maxEvents;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger offered = new AtomicInteger();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong unreachable = new AtomicLong();
    private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
    private final List<Vote> acceptedVotes = new CopyOnWriteArrayList<>();
    private final List<String> refusals = new CopyOnWriteArrayList<>();
    /** No new event is offered; the one in flight is still retried until answered. */
    private volatile boolean stopped;
    /** Nothing more is sent, not even retries. */
    private volatile boolean aborted;

    private volatile boolean finished;

    EventDriver(URI gateway, String apiKey, int responses, int votesPerResponse, double eventsPerSecond) {
        this.gateway = gateway;
        this.apiKey = apiKey;
        this.eventsPerSecond = eventsPerSecond;
        this.votesPerResponse = votesPerResponse;
        this.maxEvents = responses * (1 + votesPerResponse);
    }

    /**
     * Event {@code k}: responses {@code chaos-r-N} on prompts of their own (so no derived pairs), each followed by
     * the votes of its users; every third response is answered wrong and voted down, the others up.
     */
    private Event event(int k) {
        int i = k / (1 + votesPerResponse);
        int v = k % (1 + votesPerResponse) - 1;
        String responseId = String.format("chaos-r-%05d", i);
        int a = i % 17;
        int b = i % 5;
        boolean up = i % 3 != 0;
        if (v < 0) {
            String completion = String.valueOf(up ? a + b : a + b + 1);
            return new Event(
                    "/v1/responses",
                    responseId,
                    "{\"responseId\":\"" + responseId + "\",\"promptId\":\"chaos-p-" + i + "\",\"prompt\":\"What is "
                            + a + "+" + b + "?\",\"completion\":\"" + completion + "\"}",
                    null);
        }
        String userId = "chaos-u-" + ((i * votesPerResponse + v) % USERS);
        String feedbackId = responseId + "-f" + v;
        return new Event(
                "/v1/feedback",
                feedbackId,
                "{\"feedbackId\":\"" + feedbackId + "\",\"responseId\":\"" + responseId + "\",\"userId\":\"" + userId
                        + "\",\"kind\":\"" + (up ? "THUMBS_UP" : "THUMBS_DOWN") + "\"}",
                new Vote(responseId, userId, up));
    }

    @Override
    public void run() {
        long start = System.nanoTime();
        try {
            for (int i = 0; i < maxEvents && !stopped; i++) {
                long due = start + (long) (i * 1e9 / eventsPerSecond);
                while (!stopped && System.nanoTime() < due) {
                    LockSupport.parkNanos(due - System.nanoTime());
                }
                offered.incrementAndGet();
                post(event(i));
            }
        } finally {
            finished = true;
        }
    }

    private void post(Event event) {
        long first422 = 0;
        while (!aborted) {
            attempts.incrementAndGet();
            int status;
            long retryAfterMs = 250;
            try {
                HttpResponse<String> answer = http.send(
                        HttpRequest.newBuilder(gateway.resolve(event.path()))
                                .header("Content-Type", "application/json")
                                .header("X-API-Key", apiKey)
                                .header("Idempotency-Key", event.id())
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(event.json()))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                status = answer.statusCode();
                statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                if (status == 202) {
                    accepted.incrementAndGet();
                    if (event.vote() != null) {
                        acceptedVotes.add(event.vote());
                    }
                    return;
                }
                if (status == 422) {
                    long now = System.nanoTime();
                    first422 = first422 == 0 ? now : first422;
                    if (now - first422 > GIVE_UP_422.toNanos()) {
                        refuse(event, status, answer.body());
                        return;
                    }
                    retryAfterMs = 500;
                } else if (status == 409 || status == 429 || status == 503) {
                    retryAfterMs = answer.headers().firstValueAsLong("Retry-After").stream()
                            .map(s -> Math.min(1000, s * 1000))
                            .findFirst()
                            .orElse(500);
                } else {
                    refuse(event, status, answer.body());
                    return;
                }
            } catch (IOException e) {
                unreachable.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                aborted = true;
                return;
            }
            LockSupport.parkNanos(retryAfterMs * 1_000_000L);
        }
    }

    private void refuse(Event event, int status, String body) {
        refused.incrementAndGet();
        refusals.add(event.id() + ": " + status + " " + body);
    }

    /** Stops offering new events; the event in flight is still retried until the gateway answers it. */
    void stop() {
        stopped = true;
    }

    /** Stops offering and retrying: an event in flight may stay unanswered. */
    void abort() {
        stopped = true;
        aborted = true;
    }

    boolean finished() {
        return finished;
    }

    int planned() {
        return maxEvents;
    }

    int offered() {
        return offered.get();
    }

    int accepted() {
        return accepted.get();
    }

    int refused() {
        return refused.get();
    }

    long attempts() {
        return attempts.get();
    }

    long unreachable() {
        return unreachable.get();
    }

    Map<Integer, Long> statuses() {
        Map<Integer, Long> out = new TreeMap<>();
        statuses.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    List<Vote> acceptedVotes() {
        return List.copyOf(acceptedVotes);
    }

    List<String> refusals() {
        return List.copyOf(refusals);
    }
}
